using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 SecretEnvSource: a Secret referenced by envFrom.</summary>
public sealed class SecretEnvSource
{
    /// <summary>The Secret's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Whether a missing Secret is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
