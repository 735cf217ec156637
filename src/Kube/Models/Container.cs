using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Container: one container of a pod.</summary>
public sealed class Container
{
    /// <summary>DNS label unique within the pod.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The image reference.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    /// <summary><c>Always</c>, <c>IfNotPresent</c> or <c>Never</c>.</summary>
    [JsonPropertyName("imagePullPolicy")]
    public string? ImagePullPolicy { get; set; }

    /// <summary>The entrypoint (overrides the image's ENTRYPOINT).</summary>
    [JsonPropertyName("command")]
    public List<string>? Command { get; set; }

    /// <summary>Arguments (override the image's CMD).</summary>
    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    /// <summary>The working directory.</summary>
    [JsonPropertyName("workingDir")]
    public string? WorkingDir { get; set; }

    /// <summary>Environment variables, literal or from Secrets, ConfigMaps and fields.</summary>
    [JsonPropertyName("env")]
    public List<EnvVar>? Env { get; set; }

    /// <summary>Whole Secrets or ConfigMaps as environment variables.</summary>
    [JsonPropertyName("envFrom")]
    public List<EnvFromSource>? EnvFrom { get; set; }

    /// <summary>Ports the container exposes.</summary>
    [JsonPropertyName("ports")]
    public List<ContainerPort>? Ports { get; set; }

    /// <summary>CPU and memory requests and limits.</summary>
    [JsonPropertyName("resources")]
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Where volumes are mounted.</summary>
    [JsonPropertyName("volumeMounts")]
    public List<VolumeMount>? VolumeMounts { get; set; }

    /// <summary>Container-level security settings.</summary>
    [JsonPropertyName("securityContext")]
    public SecurityContext? SecurityContext { get; set; }

    /// <summary>Liveness probe, untyped.</summary>
    [JsonPropertyName("livenessProbe")]
    public JsonObject? LivenessProbe { get; set; }

    /// <summary>Readiness probe, untyped.</summary>
    [JsonPropertyName("readinessProbe")]
    public JsonObject? ReadinessProbe { get; set; }
}
