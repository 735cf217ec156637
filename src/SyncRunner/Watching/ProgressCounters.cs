using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>The counters of a full sync that ran as a child SyncJob, from its <c>status.progress</c>.</summary>
internal static class ProgressCounters
{
    /// <summary>Converts a SyncJob's progress into engine counters.</summary>
    /// <param name="progress">The progress, or <see langword="null"/> (all zero).</param>
    /// <returns>New counters.</returns>
    public static SyncCounters From(SyncProgress? progress)
    {
        SyncProgress p = progress ?? new SyncProgress();
        return SyncCounters.FromTaskCounters(new TaskCounters
        {
            Scanned = p.Scanned ?? 0,
            ScannedBytes = p.ScannedBytes ?? 0,
            Copied = p.Copied ?? 0,
            CopiedBytes = p.CopiedBytes ?? 0,
            Checked = p.Checked ?? 0,
            Skipped = p.Skipped ?? 0,
            SkippedBytes = p.SkippedBytes ?? 0,
            Deleted = p.Deleted ?? 0,
            Excluded = p.Excluded ?? 0,
            Extra = p.Extra ?? 0,
            Failed = p.Failed ?? 0,
        });
    }
}
