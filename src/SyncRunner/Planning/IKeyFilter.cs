namespace Ferry.SyncRunner.Planning;

/// <summary>Decides which keys the include/exclude rules let through (the seam to <c>Filtering</c>).</summary>
internal interface IKeyFilter
{
    /// <summary>Whether there are no rules (everything is synced).</summary>
    bool IsEmpty { get; }

    /// <summary>Whether <paramref name="key"/> is synced; a directory key ends in <c>/</c>.</summary>
    bool Includes(string key);

    /// <summary>Whether every key below <paramref name="directoryKey"/> is excluded, so the subtree can be pruned.</summary>
    bool ExcludesSubtree(string directoryKey);
}
