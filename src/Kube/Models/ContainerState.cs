using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerState: exactly one of waiting, running and terminated.</summary>
public sealed class ContainerState
{
    /// <summary>Not yet running.</summary>
    [JsonPropertyName("waiting")]
    public ContainerStateWaiting? Waiting { get; set; }

    /// <summary>Running.</summary>
    [JsonPropertyName("running")]
    public ContainerStateRunning? Running { get; set; }

    /// <summary>Ended.</summary>
    [JsonPropertyName("terminated")]
    public ContainerStateTerminated? Terminated { get; set; }
}
