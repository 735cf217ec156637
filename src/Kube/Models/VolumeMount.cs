using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 VolumeMount: where a volume appears in a container.</summary>
public sealed class VolumeMount
{
    /// <summary>The volume's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The absolute path in the container.</summary>
    [JsonPropertyName("mountPath")]
    public string MountPath { get; set; } = "";

    /// <summary>A path within the volume to mount instead of its root.</summary>
    [JsonPropertyName("subPath")]
    public string? SubPath { get; set; }

    /// <summary>Mount read-only.</summary>
    [JsonPropertyName("readOnly")]
    public bool? ReadOnly { get; set; }
}
