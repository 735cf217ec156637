using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerStateTerminated: an ended container.</summary>
public sealed class ContainerStateTerminated
{
    /// <summary>The process exit code.</summary>
    [JsonPropertyName("exitCode")]
    public int ExitCode { get; set; }

    /// <summary>The signal that ended it, if any.</summary>
    [JsonPropertyName("signal")]
    public int? Signal { get; set; }

    /// <summary>E.g. <c>Completed</c>, <c>Error</c>, <c>OOMKilled</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable detail (the termination message).</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>When it started.</summary>
    [JsonPropertyName("startedAt")]
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When it ended.</summary>
    [JsonPropertyName("finishedAt")]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The runtime's id.</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerID { get; set; }
}
