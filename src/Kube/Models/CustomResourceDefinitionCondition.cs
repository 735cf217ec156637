using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitionCondition.</summary>
public sealed class CustomResourceDefinitionCondition
{
    /// <summary><c>Established</c>, <c>NamesAccepted</c>, <c>Terminating</c>, …</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

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
