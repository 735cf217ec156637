using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.LabelSelectorRequirement: one set-based label requirement.</summary>
public sealed class LabelSelectorRequirement
{
    /// <summary>The label key.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    /// <summary><c>In</c>, <c>NotIn</c>, <c>Exists</c> or <c>DoesNotExist</c>.</summary>
    [JsonPropertyName("operator")]
    public string Operator { get; set; } = "";

    /// <summary>The values for <c>In</c>/<c>NotIn</c>.</summary>
    [JsonPropertyName("values")]
    public List<string>? Values { get; set; }
}
