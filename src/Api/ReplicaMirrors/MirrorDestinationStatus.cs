using Ferry.Api.Common;
using Ferry.Api.Schema;
using Ferry.Api.SyncJobs;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The state of one destination of a <see cref="ReplicaMirror"/>.</summary>
/// <remarks>Times are RFC 3339 in whole seconds. A run is one child SyncJob; its start is its scheduled slot.</remarks>
public sealed class MirrorDestinationStatus
{
    /// <summary>The destination's name from the spec.</summary>
    [Length(1, 32), Pattern(SchemaPatterns.DnsLabel)]
    public required string Name { get; set; }

    /// <summary>The name of the running child SyncJob; absent while none runs.</summary>
    [Length(1, 253)]
    public string? Active { get; set; }

    /// <summary>The phase of the running child SyncJob, or of the last one when none runs.</summary>
    public SyncJobPhase? Phase { get; set; }

    /// <summary>The slot of the last run started or skipped for this destination: slots up to it are dealt with
    /// (like a CronJob's <c>lastScheduleTime</c>).</summary>
    [Format("date-time")]
    public DateTimeOffset? LastScheduleTime { get; set; }

    /// <summary>When the last run of this destination started (its child SyncJob was created; later than the slot when
    /// the run had to wait).</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSyncStartTime { get; set; }

    /// <summary>When the last finished run of this destination ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSyncTime { get; set; }

    /// <summary>How long the last finished run took, as a duration such as <c>4m12s</c>.</summary>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? LastSyncDuration { get; set; }

    /// <summary>When the last successful run of this destination ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSuccessfulSyncTime { get; set; }

    /// <summary>When the last successful run of this destination started: the destination's data is at least as
    /// fresh as this (what <c>rpo</c> and <c>dataAge</c> are measured from).</summary>
    [Format("date-time")]
    public DateTimeOffset? LastSuccessfulSyncStartTime { get; set; }

    /// <summary>How the last finished run ended, with its counts.</summary>
    public MirrorRunResult? LastResult { get; set; }

    /// <summary>Finished runs in a row that failed; 0 after a success.</summary>
    [Minimum(0)]
    public long? ConsecutiveFailures { get; set; }

    /// <summary>When the next run of this destination is due; absent while it runs back to back, waits for a manual
    /// trigger, or is suspended.</summary>
    [Format("date-time")]
    public DateTimeOffset? NextSyncTime { get; set; }

    /// <summary>The last <c>spec.manualTrigger</c> token a run of this destination was started for.</summary>
    [Length(1, 253)]
    public string? LastManualTrigger { get; set; }

    /// <summary>Why this destination does not run, or the error of its last failed run, for people; never contains
    /// credentials. Cleared by the next successful run.</summary>
    [Length(0, 4096)]
    public string? LastError { get; set; }

    /// <summary>Counts since the mirror was created, kept in the status so that metrics survive operator restarts.</summary>
    public MirrorDestinationTotals? Totals { get; set; }
}
