using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 EnvFromSource: every key of a Secret or ConfigMap as a variable.</summary>
public sealed class EnvFromSource
{
    /// <summary>Prefix added to each variable name.</summary>
    [JsonPropertyName("prefix")]
    public string? Prefix { get; set; }

    /// <summary>The Secret.</summary>
    [JsonPropertyName("secretRef")]
    public SecretEnvSource? SecretRef { get; set; }

    /// <summary>The ConfigMap.</summary>
    [JsonPropertyName("configMapRef")]
    public ConfigMapEnvSource? ConfigMapRef { get; set; }
}
