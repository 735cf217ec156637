using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 JobStatus: counts of pods and the Job's conditions.</summary>
public sealed class JobStatus
{
    /// <summary>Pods currently pending or running.</summary>
    [JsonPropertyName("active")]
    public int? Active { get; set; }

    /// <summary>Pods that reached phase Succeeded.</summary>
    [JsonPropertyName("succeeded")]
    public int? Succeeded { get; set; }

    /// <summary>Pods that reached phase Failed.</summary>
    [JsonPropertyName("failed")]
    public int? Failed { get; set; }

    /// <summary>Active pods with the Ready condition.</summary>
    [JsonPropertyName("ready")]
    public int? Ready { get; set; }

    /// <summary>When the Job controller started the Job.</summary>
    [JsonPropertyName("startTime")]
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the Job completed (only when it succeeded).</summary>
    [JsonPropertyName("completionTime")]
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary><c>Complete</c>, <c>Failed</c>, <c>Suspended</c>, <c>FailureTarget</c>, <c>SuccessCriteriaMet</c>.</summary>
    [JsonPropertyName("conditions")]
    public List<JobCondition>? Conditions { get; set; }
}
