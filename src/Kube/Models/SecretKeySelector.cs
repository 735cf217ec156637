using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 SecretKeySelector: one key of a Secret.</summary>
public sealed class SecretKeySelector
{
    /// <summary>The Secret's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    /// <summary>Whether a missing Secret or key is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
