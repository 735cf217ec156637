using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerStatus: the state of one container.</summary>
public sealed class ContainerStatus
{
    /// <summary>The container's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Whether its readiness probe passes.</summary>
    [JsonPropertyName("ready")]
    public bool Ready { get; set; }

    /// <summary>Restarts so far.</summary>
    [JsonPropertyName("restartCount")]
    public int RestartCount { get; set; }

    /// <summary>Whether the startup probe passed.</summary>
    [JsonPropertyName("started")]
    public bool? Started { get; set; }

    /// <summary>The image it runs.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; set; }

    /// <summary>The resolved image id.</summary>
    [JsonPropertyName("imageID")]
    public string? ImageID { get; set; }

    /// <summary>The runtime's id, e.g. <c>containerd://…</c>.</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerID { get; set; }

    /// <summary>The current state.</summary>
    [JsonPropertyName("state")]
    public ContainerState? State { get; set; }

    /// <summary>The previous termination, if any.</summary>
    [JsonPropertyName("lastState")]
    public ContainerState? LastState { get; set; }
}
