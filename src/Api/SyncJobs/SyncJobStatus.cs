using Ferry.Api.Schema;
using k8s.Models;

namespace Ferry.Api.SyncJobs;

/// <summary>The observed state of a <see cref="SyncJob"/>, written by the operator.</summary>
/// <remarks>Written only through the <c>status</c> subresource, with <c>observedGeneration</c> (Kubernetes API
/// conventions, "Spec and Status").</remarks>
public sealed class SyncJobStatus
{
    /// <summary>Where the run is: Pending, Scanning, Running, Succeeded or Failed.</summary>
    public SyncJobPhase? Phase { get; set; }

    /// <summary>The conditions <c>Progressing</c>, <c>Complete</c>, <c>Failed</c>, <c>Suspended</c> and
    /// <c>SpecValid</c>; one entry per type.</summary>
    [ListMapKey("type"), Items(0, 16)]
    public List<V1Condition>? Conditions { get; set; }

    /// <summary>The <c>metadata.generation</c> this status was computed from.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>When the run started; once set, the spec may no longer change (except <c>suspend</c>,
    /// <c>ttlSecondsAfterFinished</c>, <c>workers</c> and <c>runner</c>).</summary>
    [Format("date-time")]
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the run reached Succeeded or Failed.</summary>
    [Format("date-time")]
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>Runner pods wanted and running.</summary>
    public WorkerCounts? Workers { get; set; }

    /// <summary>Range tasks of the run by state.</summary>
    public TaskCounts? Tasks { get; set; }

    /// <summary>Objects and bytes counted so far, summed over all tasks.</summary>
    public SyncProgress? Progress { get; set; }

    /// <summary>The last error that affected the run, for people; never contains credentials.</summary>
    [Length(0, 4096)]
    public string? LastError { get; set; }
}
