using Ferry.Api.Schema;

namespace Ferry.Api.Sync;

/// <summary>core/v1 Toleration: lets runner pods schedule onto nodes with a matching taint.</summary>
/// <remarks>Copied into the runner pods unchanged; field meanings follow the Kubernetes API reference for
/// <c>Toleration</c>.</remarks>
public sealed class Toleration
{
    /// <summary>The taint key to match; empty with operator <c>Exists</c> matches every taint.</summary>
    [Length(0, 316)]
    public string? Key { get; set; }

    /// <summary><c>Exists</c> or <c>Equal</c>.</summary>
    /// <value><c>Equal</c>.</value>
    [Length(0, 16)]
    public string? Operator { get; set; }

    /// <summary>The taint value to match with operator <c>Equal</c>.</summary>
    [Length(0, 63)]
    public string? Value { get; set; }

    /// <summary>The taint effect to match: <c>NoSchedule</c>, <c>PreferNoSchedule</c>, <c>NoExecute</c>, or empty
    /// for all.</summary>
    [Length(0, 32)]
    public string? Effect { get; set; }

    /// <summary>For effect <c>NoExecute</c>: how long, in seconds, the pod stays bound after the taint appears.</summary>
    public long? TolerationSeconds { get; set; }
}
