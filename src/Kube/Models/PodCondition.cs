using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PodCondition: one state of a pod.</summary>
public sealed class PodCondition
{
    /// <summary>The condition type, e.g. <c>Ready</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    /// <summary>When the condition was last checked.</summary>
    [JsonPropertyName("lastProbeTime")]
    public DateTimeOffset? LastProbeTime { get; set; }

    /// <summary>When the status last changed.</summary>
    [JsonPropertyName("lastTransitionTime")]
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>Machine-readable reason.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable message.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
