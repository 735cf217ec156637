using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PodSpec: the containers, volumes and scheduling of a pod (the fields Ferry uses).</summary>
public sealed class PodSpec
{
    /// <summary>The containers; at least one.</summary>
    [JsonPropertyName("containers")]
    public List<Container> Containers { get; set; } = new();

    /// <summary>Containers run to completion, in order, before the others start.</summary>
    [JsonPropertyName("initContainers")]
    public List<Container>? InitContainers { get; set; }

    /// <summary>Volumes the containers may mount.</summary>
    [JsonPropertyName("volumes")]
    public List<Volume>? Volumes { get; set; }

    /// <summary><c>Always</c>, <c>OnFailure</c> or <c>Never</c>; Job pods use <c>OnFailure</c> or <c>Never</c>.</summary>
    [JsonPropertyName("restartPolicy")]
    public string? RestartPolicy { get; set; }

    /// <summary>The service account the pod runs as.</summary>
    [JsonPropertyName("serviceAccountName")]
    public string? ServiceAccountName { get; set; }

    /// <summary>Whether the service-account token is mounted.</summary>
    [JsonPropertyName("automountServiceAccountToken")]
    public bool? AutomountServiceAccountToken { get; set; }

    /// <summary>Node labels the pod must be scheduled onto.</summary>
    [JsonPropertyName("nodeSelector")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Taints the pod tolerates.</summary>
    [JsonPropertyName("tolerations")]
    public List<Toleration>? Tolerations { get; set; }

    /// <summary>Affinity rules, untyped.</summary>
    [JsonPropertyName("affinity")]
    public JsonObject? Affinity { get; set; }

    /// <summary>Pod-level security settings.</summary>
    [JsonPropertyName("securityContext")]
    public PodSecurityContext? SecurityContext { get; set; }

    /// <summary>Secrets used to pull images.</summary>
    [JsonPropertyName("imagePullSecrets")]
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }

    /// <summary>Seconds between SIGTERM and SIGKILL on deletion; default 30.</summary>
    [JsonPropertyName("terminationGracePeriodSeconds")]
    public long? TerminationGracePeriodSeconds { get; set; }

    /// <summary>The pod's priority class.</summary>
    [JsonPropertyName("priorityClassName")]
    public string? PriorityClassName { get; set; }

    /// <summary>The node the pod is bound to.</summary>
    [JsonPropertyName("nodeName")]
    public string? NodeName { get; set; }
}
