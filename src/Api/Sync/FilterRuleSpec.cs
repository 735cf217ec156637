using Ferry.Api.Schema;

namespace Ferry.Api.Sync;

/// <summary>One include or exclude rule; rules are tried in order and the first match decides.</summary>
/// <remarks>Patterns use <c>*</c>, <c>**</c>, <c>?</c>, <c>[...]</c>, <c>[^...]</c>, a leading <c>/</c> to anchor
/// at the root and a trailing <c>/</c> to match directories only (juicefs sync guide, "过滤"/filtering: layer-by-layer
/// mode by default, full-path mode with <c>matchFullPath</c>).</remarks>
[ExactlyOneOf(nameof(Include), nameof(Exclude))]
public sealed class FilterRuleSpec
{
    /// <summary>Sync keys that match this pattern (juicefs sync <c>--include</c>).</summary>
    [Length(1, 1024)]
    public string? Include { get; set; }

    /// <summary>Skip keys that match this pattern (juicefs sync <c>--exclude</c>).</summary>
    [Length(1, 1024)]
    public string? Exclude { get; set; }
}
