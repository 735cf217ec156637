using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 SecurityContext: container-level security settings.</summary>
public sealed class SecurityContext
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

    /// <summary>Mount the root filesystem read-only.</summary>
    [JsonPropertyName("readOnlyRootFilesystem")]
    public bool? ReadOnlyRootFilesystem { get; set; }

    /// <summary>Whether setuid binaries may gain privileges.</summary>
    [JsonPropertyName("allowPrivilegeEscalation")]
    public bool? AllowPrivilegeEscalation { get; set; }

    /// <summary>Run privileged.</summary>
    [JsonPropertyName("privileged")]
    public bool? Privileged { get; set; }

    /// <summary>Capabilities to add and drop.</summary>
    [JsonPropertyName("capabilities")]
    public Capabilities? Capabilities { get; set; }

    /// <summary>The seccomp profile.</summary>
    [JsonPropertyName("seccompProfile")]
    public SeccompProfile? SeccompProfile { get; set; }
}
