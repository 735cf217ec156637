using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 SecretVolumeSource: a Secret's keys as files.</summary>
public sealed class SecretVolumeSource
{
    /// <summary>The Secret's name.</summary>
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = "";

    /// <summary>File mode bits (octal 0644 = decimal 420).</summary>
    [JsonPropertyName("defaultMode")]
    public int? DefaultMode { get; set; }

    /// <summary>Select keys and their file paths; all keys when unset.</summary>
    [JsonPropertyName("items")]
    public List<KeyToPath>? Items { get; set; }

    /// <summary>Whether a missing Secret is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
