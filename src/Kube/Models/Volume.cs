using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Volume: a named volume; exactly one source is set.</summary>
public sealed class Volume
{
    /// <summary>DNS label unique within the pod.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>A PVC in the pod's namespace.</summary>
    [JsonPropertyName("persistentVolumeClaim")]
    public PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; set; }

    /// <summary>A Secret as files.</summary>
    [JsonPropertyName("secret")]
    public SecretVolumeSource? Secret { get; set; }

    /// <summary>A ConfigMap as files.</summary>
    [JsonPropertyName("configMap")]
    public ConfigMapVolumeSource? ConfigMap { get; set; }

    /// <summary>A scratch directory that lives as long as the pod.</summary>
    [JsonPropertyName("emptyDir")]
    public EmptyDirVolumeSource? EmptyDir { get; set; }
}
