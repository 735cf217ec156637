using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PodSecurityContext: pod-level security settings.</summary>
public sealed class PodSecurityContext
{
    /// <summary>UID to run as.</summary>
    [JsonPropertyName("runAsUser")]
    public long? RunAsUser { get; set; }

    /// <summary>GID to run as.</summary>
    [JsonPropertyName("runAsGroup")]
    public long? RunAsGroup { get; set; }

    /// <summary>Refuse to start as UID 0.</summary>
    [JsonPropertyName("runAsNonRoot")]
    public bool? RunAsNonRoot { get; set; }

    /// <summary>Group owning mounted volumes.</summary>
    [JsonPropertyName("fsGroup")]
    public long? FsGroup { get; set; }

    /// <summary><c>OnRootMismatch</c> or <c>Always</c>.</summary>
    [JsonPropertyName("fsGroupChangePolicy")]
    public string? FsGroupChangePolicy { get; set; }

    /// <summary>Extra GIDs.</summary>
    [JsonPropertyName("supplementalGroups")]
    public List<long>? SupplementalGroups { get; set; }

    /// <summary>The seccomp profile.</summary>
    [JsonPropertyName("seccompProfile")]
    public SeccompProfile? SeccompProfile { get; set; }
}
