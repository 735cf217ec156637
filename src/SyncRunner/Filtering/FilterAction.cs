namespace Ferry.SyncRunner.Filtering;

/// <summary>What an include/exclude rule does to a key its pattern matches.</summary>
/// <remarks>The <c>--include</c> and <c>--exclude</c> options of the juicefs sync guide, section 模式匹配 (pattern matching).</remarks>
public enum FilterAction
{
    /// <summary>The key is synced (full-path mode), or this layer passes and the next layer is checked (layer-by-layer mode).</summary>
    Include,

    /// <summary>The key is excluded from the sync.</summary>
    Exclude,
}
