using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 JobCondition: one state of a Job.</summary>
public sealed class JobCondition
{
    /// <summary><c>Complete</c>, <c>Failed</c>, <c>Suspended</c>, …</summary>
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

    /// <summary>Machine-readable reason, e.g. <c>BackoffLimitExceeded</c>, <c>DeadlineExceeded</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable message.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
