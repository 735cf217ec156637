using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ConfigMapVolumeSource: a ConfigMap's keys as files.</summary>
public sealed class ConfigMapVolumeSource
{
    /// <summary>The ConfigMap's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>File mode bits.</summary>
    [JsonPropertyName("defaultMode")]
    public int? DefaultMode { get; set; }

    /// <summary>Select keys and their file paths; all keys when unset.</summary>
    [JsonPropertyName("items")]
    public List<KeyToPath>? Items { get; set; }

    /// <summary>Whether a missing ConfigMap is allowed.</summary>
    [JsonPropertyName("optional")]
    public bool? Optional { get; set; }
}
