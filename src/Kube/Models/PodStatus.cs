using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PodStatus: the phase, conditions and container states of a pod.</summary>
public sealed class PodStatus
{
    /// <summary><c>Pending</c>, <c>Running</c>, <c>Succeeded</c>, <c>Failed</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    /// <summary><c>PodScheduled</c>, <c>Initialized</c>, <c>ContainersReady</c>, <c>Ready</c>, …</summary>
    [JsonPropertyName("conditions")]
    public List<PodCondition>? Conditions { get; set; }

    /// <summary>One entry per container.</summary>
    [JsonPropertyName("containerStatuses")]
    public List<ContainerStatus>? ContainerStatuses { get; set; }

    /// <summary>One entry per init container.</summary>
    [JsonPropertyName("initContainerStatuses")]
    public List<ContainerStatus>? InitContainerStatuses { get; set; }

    /// <summary>The node's IP.</summary>
    [JsonPropertyName("hostIP")]
    public string? HostIP { get; set; }

    /// <summary>The pod's IP.</summary>
    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }

    /// <summary>When the kubelet acknowledged the pod.</summary>
    [JsonPropertyName("startTime")]
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Why the pod is in its phase, e.g. <c>Evicted</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable detail.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
