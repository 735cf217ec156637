using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 EnvVar: one environment variable.</summary>
public sealed class EnvVar
{
    /// <summary>The variable name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>A literal value.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    /// <summary>Where the value comes from instead of <see cref="Value"/>.</summary>
    [JsonPropertyName("valueFrom")]
    public EnvVarSource? ValueFrom { get; set; }
}
