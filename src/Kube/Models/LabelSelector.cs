using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.LabelSelector: equality and set-based label requirements (ANDed).</summary>
public sealed class LabelSelector
{
    /// <summary>Labels that must equal the given values.</summary>
    [JsonPropertyName("matchLabels")]
    public Dictionary<string, string>? MatchLabels { get; set; }

    /// <summary>Set-based requirements.</summary>
    [JsonPropertyName("matchExpressions")]
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}
