using System.ComponentModel;
using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Schema;
using Ferry.Api.Sync;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The desired state of a <see cref="ReplicaMirror"/>: the source, the destinations, when to run, and
/// the sync options every run uses.</summary>
/// <remarks>
/// <para>DESIGN.md, "The API". Triggers: <c>schedule</c> (cron, with <c>timeZone</c>) or <c>interval</c>, at most one;
/// <c>manualTrigger</c> combines with either. With <c>manualTrigger</c> alone the mirror runs only when the token
/// changes; with none of the three, runs follow each other back to back (VolSync's ReplicationSource trigger
/// semantics). <c>schedule</c>, <c>timeZone</c>, <c>startingDeadlineSeconds</c>, <c>concurrencyPolicy</c> and the
/// history limits behave like a batch/v1 CronJob's.</para>
/// <para>With <c>continuous</c> (a volume source only) a watcher pod applies changes as they happen, lsyncd-style, and
/// full syncs run as children at the start, after lost events and every <c>continuous.fullSyncInterval</c>.</para>
/// <para>A mirror's <c>update</c> defaults to true: juicefs's default rule copies a key only when it is missing or its
/// size differs, which would leave an in-place edit of the same length unmirrored; <c>update</c> also copies when the
/// source mtime is newer (juicefs sync guide, <c>--update</c>).</para>
/// </remarks>
[MutuallyExclusive(nameof(Schedule), nameof(Interval), nameof(Continuous))]
[DefaultOverride(nameof(DeleteDst), true)]
[DefaultOverride(nameof(MaxDelete), "50%")]
[DefaultOverride(nameof(Update), true)]
[ValidationRule("!has(self.deleteSrc) || !self.deleteSrc", "deleteSrc is not allowed in a ReplicaMirror")]
[ValidationRule("!has(self.deleteSrcAfter) || !self.deleteSrcAfter", "deleteSrcAfter is not allowed in a ReplicaMirror")]
[ValidationRule("self.destinations.all(d, !has(d.volume) || !has(d.volume.readOnly) || !d.volume.readOnly)",
    "a destination volume must not be readOnly")]
[ValidationRule("!has(self.timeZone) || has(self.schedule)", "timeZone needs schedule")]
[ValidationRule("!has(self.startingDeadlineSeconds) || has(self.schedule) || has(self.interval)",
    "startingDeadlineSeconds needs schedule or interval")]
public sealed class ReplicaMirrorSpec : SyncOptionsSpec
{
    /// <summary>Where keys are read from.</summary>
    public required Endpoint Source { get; set; }

    /// <summary>Where keys are mirrored to, each under a unique name (e.g. one per region). Each destination is run
    /// on its own: one destination's failure never delays or blocks the others.</summary>
    [Items(1, 16), ListMapKey("name")]
    public required List<MirrorDestination> Destinations { get; set; }

    /// <summary>A cron schedule at which runs start: five fields (minute hour day-of-month month day-of-week) or a
    /// macro such as <c>@hourly</c>, read in <c>timeZone</c>. The first run waits for the first slot after the
    /// mirror is created.</summary>
    /// <value>Not scheduled: see <c>interval</c>.</value>
    [Length(1, 256), Pattern(@"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+(\s+\S+){4})$")]
    public string? Schedule { get; set; }

    /// <summary>The IANA time zone <c>schedule</c> is read in, e.g. <c>Europe/Berlin</c>. A slot that does not exist
    /// (the clock jumps forward) runs at the next valid minute; a slot the clock passes twice (it jumps back) runs
    /// once (batch/v1 CronJob <c>timeZone</c>).</summary>
    /// <value><c>UTC</c>.</value>
    [Length(1, 64), Pattern(@"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")]
    public string? TimeZone { get; set; }

    /// <summary>The time from the start of one run of a destination to the start of its next, e.g. <c>15m</c> (at
    /// least <c>1s</c>). The first run starts when the mirror is created.</summary>
    /// <value>Not set: see <c>schedule</c>.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? Interval { get; set; }

    /// <summary>Mirror changes as they happen instead of in runs: a long-lived watcher pod mounts the source volume
    /// read-only, watches it for changes, gathers them for <c>delay</c> (or until <c>maxBatch</c> keys are pending) and
    /// applies exactly the changed keys to every destination with the mirror's options; full syncs run as child
    /// SyncJobs at the start, after the watcher lost events, and every <c>fullSyncInterval</c>. Needs a <c>volume</c>
    /// source (other sources have no change events: use <c>interval</c>); excludes <c>schedule</c> and
    /// <c>interval</c>.</summary>
    /// <value>Not set: runs follow <c>schedule</c>, <c>interval</c>, <c>manualTrigger</c> or each other.</value>
    public ContinuousSpec? Continuous { get; set; }

    /// <summary>An opaque token; setting a new value starts one run of every destination now (after the running one
    /// under <c>Forbid</c>). <c>status.lastManualTrigger</c> echoes the token once every destination's run for it has
    /// started. Without <c>schedule</c> and <c>interval</c>, the mirror runs only on such tokens.</summary>
    [Length(1, 253)]
    public string? ManualTrigger { get; set; }

    /// <summary>Seconds after a slot within which its run must start; a slot noticed later (after an operator
    /// outage or a suspend) is skipped and counted as missed (batch/v1 CronJob <c>startingDeadlineSeconds</c>). However
    /// many slots were missed, only the latest runs, and scheduling always goes on.</summary>
    /// <value>No deadline: the latest missed slot runs however late it is noticed.</value>
    [Minimum(0)]
    public long? StartingDeadlineSeconds { get; set; }

    /// <summary>Start no new runs while true; runs in progress finish. Slots that pass meanwhile are counted as
    /// missed; on resume only the latest runs.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Suspend { get; set; }

    /// <summary>What to do when a destination's run is due while its previous run is still going: <c>Forbid</c>
    /// skips the new run (counted in <c>status.missedIntervals</c>, event <c>RunSkipped</c>), <c>Replace</c> deletes
    /// the running child SyncJob and starts the new one. A destination may override it.</summary>
    /// <value><c>Forbid</c>.</value>
    [DefaultValue("Forbid")]
    public ConcurrencyPolicy? ConcurrencyPolicy { get; set; }

    /// <summary>How many destinations may run at the same time; due destinations beyond it wait for a free place, in
    /// the order of their due slots.</summary>
    /// <value>Unbounded: every destination may run at once.</value>
    [Minimum(1), Maximum(16)]
    public int? MaxParallelDestinations { get; set; }

    /// <summary>The recovery point objective: how old a destination's data may be before it counts as out of sync,
    /// e.g. <c>1h</c>. A destination is in sync while its last successful run <em>started</em> within this duration
    /// (the copied data is at least as fresh as that start).</summary>
    /// <value>Twice <c>interval</c>, or twice the gap between two <c>schedule</c> slots, or four times
    /// <c>continuous.delay</c> (a continuous mirror is in sync while no change waits longer than this); with none of
    /// them, none: a destination is in sync while its last run succeeded.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? Rpo { get; set; }

    /// <summary>The default of <see cref="SuccessfulRunsHistoryLimit"/>, as a CronJob's.</summary>
    public const int DefaultSuccessfulRunsHistoryLimit = 3;

    /// <summary>The default of <see cref="FailedRunsHistoryLimit"/>, as a CronJob's.</summary>
    public const int DefaultFailedRunsHistoryLimit = 1;

    /// <summary>How many succeeded runs of each destination keep their child SyncJobs; older ones are deleted.</summary>
    /// <value>3.</value>
    [Minimum(0), Maximum(100), DefaultValue(DefaultSuccessfulRunsHistoryLimit)]
    public int? SuccessfulRunsHistoryLimit { get; set; }

    /// <summary>How many failed runs of each destination keep their child SyncJobs; older ones are deleted.</summary>
    /// <value>1.</value>
    [Minimum(0), Maximum(100), DefaultValue(DefaultFailedRunsHistoryLimit)]
    public int? FailedRunsHistoryLimit { get; set; }
}
