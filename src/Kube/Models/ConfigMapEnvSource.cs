using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ConfigMapEnvSource: a ConfigMap referenced by envFrom.</summary>
public sealed class ConfigMapEnvSource
{
    /// <summary>The ConfigMap's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Whether a missing ConfigMap is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
