using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ConfigMapKeySelector: one key of a ConfigMap.</summary>
public sealed class ConfigMapKeySelector
{
    /// <summary>The ConfigMap's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    /// <summary>Whether a missing ConfigMap or key is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
