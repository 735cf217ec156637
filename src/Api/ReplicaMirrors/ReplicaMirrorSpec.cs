using System.ComponentModel;
using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Schema;
using Ferry.Api.Sync;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The desired state of a <see cref="ReplicaMirror"/>: the source, the destinations, when to run, and
/// the sync options every run uses.</summary>
/// <remarks>DESIGN.md, "The API"; <c>schedule</c>, <c>concurrencyPolicy</c> and the history limits behave like a
/// batch/v1 CronJob's.</remarks>
[MutuallyExclusive(nameof(Schedule), nameof(Interval))]
[DefaultOverride(nameof(DeleteDst), true)]
[DefaultOverride(nameof(MaxDelete), "50%")]
[ValidationRule("!has(self.deleteSrc) || !self.deleteSrc", "deleteSrc is not allowed in a ReplicaMirror")]
[ValidationRule("!has(self.deleteSrcAfter) || !self.deleteSrcAfter", "deleteSrcAfter is not allowed in a ReplicaMirror")]
[ValidationRule("self.destinations.all(d, !has(d.volume) || !has(d.volume.readOnly) || !d.volume.readOnly)",
    "a destination volume must not be readOnly")]
public sealed class ReplicaMirrorSpec : SyncOptions
{
    /// <summary>Where keys are read from.</summary>
    public required Endpoint Source { get; set; }

    /// <summary>Where keys are mirrored to, each under a unique name (e.g. one per region).</summary>
    [Items(1, 16), ListMapKey("name")]
    public required List<MirrorDestination> Destinations { get; set; }

    /// <summary>A cron schedule in UTC, five fields or a macro such as <c>@hourly</c>, at which runs start.</summary>
    /// <value>Not scheduled: see <c>interval</c>; with neither, runs follow each other back to back.</value>
    [Length(1, 256), Pattern(@"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+(\s+\S+){4})$")]
    public string? Schedule { get; set; }

    /// <summary>The time from the start of one run to the start of the next, e.g. <c>15m</c>.</summary>
    /// <value>Not set: see <c>schedule</c>; with neither, runs follow each other back to back.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? Interval { get; set; }

    /// <summary>An opaque token; setting a new value starts one run now. <c>status.lastManualTrigger</c> echoes
    /// the last token served.</summary>
    [Length(1, 253)]
    public string? ManualTrigger { get; set; }

    /// <summary>Start no new runs while true; a run in progress finishes.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Suspend { get; set; }

    /// <summary>What to do when a run is due while the previous one is still going: <c>Forbid</c> skips the new
    /// run (counted in <c>status.missedIntervals</c>), <c>Replace</c> stops the old run and starts the new one.</summary>
    /// <value><c>Forbid</c>.</value>
    [DefaultValue("Forbid")]
    public ConcurrencyPolicy? ConcurrencyPolicy { get; set; }

    /// <summary>How many succeeded runs keep their child SyncJobs.</summary>
    /// <value>3.</value>
    [Minimum(0), Maximum(100), DefaultValue(3)]
    public int? SuccessfulRunsHistoryLimit { get; set; }

    /// <summary>How many failed runs keep their child SyncJobs.</summary>
    /// <value>1.</value>
    [Minimum(0), Maximum(100), DefaultValue(1)]
    public int? FailedRunsHistoryLimit { get; set; }
}
