using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PersistentVolumeClaimVolumeSource: a PVC mounted into a pod.</summary>
public sealed class PersistentVolumeClaimVolumeSource
{
    /// <summary>The PVC's name.</summary>
    [JsonPropertyName("claimName")]
    public string ClaimName { get; set; } = "";

    /// <summary>Mount read-only.</summary>
    [JsonPropertyName("readOnly")]
    public bool? ReadOnly { get; set; }
}
