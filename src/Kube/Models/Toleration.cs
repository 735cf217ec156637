using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Toleration: a taint the pod tolerates.</summary>
public sealed class Toleration
{
    /// <summary>The taint key; empty with operator Exists matches all.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; set; }

    /// <summary><c>Equal</c> (default) or <c>Exists</c>.</summary>
    [JsonPropertyName("operator")]
    public string? Operator { get; set; }

    /// <summary>The taint value.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    /// <summary><c>NoSchedule</c>, <c>PreferNoSchedule</c> or <c>NoExecute</c>; empty matches all.</summary>
    [JsonPropertyName("effect")]
    public string? Effect { get; set; }

    /// <summary>Seconds a NoExecute taint is tolerated.</summary>
    [JsonPropertyName("tolerationSeconds")]
    public long? TolerationSeconds { get; set; }
}
