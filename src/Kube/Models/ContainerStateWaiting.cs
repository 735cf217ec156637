using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerStateWaiting: why a container is not running yet.</summary>
public sealed class ContainerStateWaiting
{
    /// <summary>E.g. <c>ContainerCreating</c>, <c>CrashLoopBackOff</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable detail.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
