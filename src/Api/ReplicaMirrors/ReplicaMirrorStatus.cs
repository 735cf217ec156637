using Ferry.Api.Common;
using Ferry.Api.Schema;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The observed state of a <see cref="ReplicaMirror"/>, written by the operator.</summary>
/// <remarks>Written only through the <c>status</c> subresource, with <c>observedGeneration</c> (Kubernetes API
/// conventions, "Spec and Status").</remarks>
public sealed class ReplicaMirrorStatus
{
    /// <summary>The conditions <c>Ready</c>, <c>InSync</c> and <c>Degraded</c>; one entry per type.</summary>
    [ListMapKey("type"), Items(0, 16)]
    public List<V1Condition>? Conditions { get; set; }

    /// <summary>The <c>metadata.generation</c> this status was computed from.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>When the last run started (like a CronJob's <c>lastScheduleTime</c>).</summary>
    [Format("date-time")]
    public DateTimeOffset? LastScheduleTime { get; set; }

    /// <summary>When the last finished run ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSyncTime { get; set; }

    /// <summary>How long the last finished run took, as a duration such as <c>4m12s</c>.</summary>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? LastSyncDuration { get; set; }

    /// <summary>How the last finished run ended: Succeeded, PartiallyFailed or Failed.</summary>
    public SyncResult? LastSyncResult { get; set; }

    /// <summary>When the next run is due; absent while suspended or when runs follow each other back to back.</summary>
    [Format("date-time")]
    public DateTimeOffset? NextSyncTime { get; set; }

    /// <summary>The last <c>spec.manualTrigger</c> token that started a run.</summary>
    [Length(1, 253)]
    public string? LastManualTrigger { get; set; }

    /// <summary>Runs that were due but skipped because the previous run was still going (<c>Forbid</c>), counted
    /// since the mirror was created.</summary>
    [Minimum(0)]
    public long? MissedIntervals { get; set; }

    /// <summary>The state of each destination, by name.</summary>
    [ListMapKey("name"), Items(0, 16)]
    public List<MirrorDestinationStatus>? Destinations { get; set; }
}
