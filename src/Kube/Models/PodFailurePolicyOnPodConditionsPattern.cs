using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 PodFailurePolicyOnPodConditionsPattern: matches a pod condition.</summary>
public sealed class PodFailurePolicyOnPodConditionsPattern
{
    /// <summary>The condition type, e.g. <c>DisruptionTarget</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary><c>True</c> (default), <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; set; }
}
