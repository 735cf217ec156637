using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerStateRunning: a running container.</summary>
public sealed class ContainerStateRunning
{
    /// <summary>When it started.</summary>
    [JsonPropertyName("startedAt")]
    public DateTimeOffset? StartedAt { get; set; }
}
