using Ferry.Api.Common;
using Ferry.Api.Schema;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The observed state of a <see cref="ReplicaMirror"/>, written by the operator.</summary>
/// <remarks>Written only through the <c>status</c> subresource, with <c>observedGeneration</c> (Kubernetes API
/// conventions, "Spec and Status"), at most once every few seconds while no run starts or ends.</remarks>
public sealed class ReplicaMirrorStatus
{
    /// <summary>The conditions <c>Ready</c>, <c>InSync</c>, <c>Degraded</c> and <c>Suspended</c>; one entry per type.</summary>
    [ListMapKey("type"), Items(0, 16)]
    public List<V1Condition>? Conditions { get; set; }

    /// <summary>The <c>metadata.generation</c> this status was computed from.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>The slot of the latest run started for any destination (like a CronJob's <c>lastScheduleTime</c>).</summary>
    [Format("date-time")]
    public DateTimeOffset? LastScheduleTime { get; set; }

    /// <summary>When the most recently finished run of any destination ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSyncTime { get; set; }

    /// <summary>How long that run took, as a duration such as <c>4m12s</c>.</summary>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? LastSyncDuration { get; set; }

    /// <summary>Over the destinations that are not suspended: <c>Succeeded</c> when every one's last finished run
    /// succeeded, <c>PartiallyFailed</c> when some did, <c>Failed</c> when none did.</summary>
    public MirrorSyncResult? LastSyncResult { get; set; }

    /// <summary>When the next run of any destination is due; absent while suspended, back to back or manual-only.</summary>
    [Format("date-time")]
    public DateTimeOffset? NextSyncTime { get; set; }

    /// <summary>The last <c>spec.manualTrigger</c> token for which every destination that is not suspended has started a run.</summary>
    [Length(1, 253)]
    public string? LastManualTrigger { get; set; }

    /// <summary>Slots that did not run, summed over the destinations (see <c>destinations[].totals.missedRuns</c>).</summary>
    [Minimum(0)]
    public long? MissedIntervals { get; set; }

    /// <summary>How old the stalest destination's data was when this status was written: the time since its last
    /// successful run started, as a duration such as <c>12m3s</c>. The live value is the operator's
    /// <c>ferry_mirror_data_age_seconds</c> metric. Absent until every destination has succeeded once. A continuous
    /// mirror's data is as old as its oldest change not applied yet (<c>0s</c> when none waits), counted once every
    /// destination has finished a full sync.</summary>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? DataAge { get; set; }

    /// <summary>For a continuous mirror: its watcher pod, the changes it holds and its last batch and full sync.</summary>
    public ContinuousStatus? Continuous { get; set; }

    /// <summary>The state of each destination, by name.</summary>
    [ListMapKey("name"), Items(0, 16)]
    public List<MirrorDestinationStatus>? Destinations { get; set; }
}
