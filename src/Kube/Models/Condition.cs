using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.Condition: one aspect of an object's current state.</summary>
/// <remarks>Kubernetes API conventions, "Typical status properties"; <c>lastTransitionTime</c> changes only when
/// <see cref="Status"/> changes.</remarks>
public sealed class Condition
{
    /// <summary>The condition type in CamelCase, e.g. <c>Complete</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = "Unknown";

    /// <summary>The <c>metadata.generation</c> the condition was set from.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    /// <summary>When <see cref="Status"/> last changed.</summary>
    [JsonPropertyName("lastTransitionTime")]
    public DateTimeOffset LastTransitionTime { get; set; }

    /// <summary>A CamelCase, machine-readable reason for the last transition.</summary>
    [JsonPropertyName("reason")]
    public string Reason { get; set; } = "";

    /// <summary>A human-readable message about the transition.</summary>
    [JsonPropertyName("message")]
    public string Message { get; set; } = "";
}
