using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>One batch, applied to every destination.</summary>
/// <param name="Time">When it was applied (its end).</param>
/// <param name="Keys">How many changed paths it applied (retries included).</param>
/// <param name="Retries">How many of them were retries of failing keys.</param>
/// <param name="Counters">The engine counters summed over the destinations.</param>
/// <param name="Elapsed">How long it took.</param>
/// <param name="Targets">Each destination's result.</param>
/// <param name="State">The watch's state after it.</param>
internal sealed record BatchReport(DateTimeOffset Time, int Keys, int Retries, SyncCounters Counters, TimeSpan Elapsed, IReadOnlyList<TargetResult> Targets, WatchState State);

/// <summary>One full sync.</summary>
/// <param name="Reason">Why it ran: <c>start</c>, <c>overflow</c>, <c>watch-limit</c>, <c>error</c>, <c>interval</c>, <c>retry</c>.</param>
/// <param name="Started">When it started.</param>
/// <param name="Elapsed">How long it took.</param>
/// <param name="Result">What it did.</param>
/// <param name="State">The watch's state after it.</param>
internal sealed record FullSyncReport(string Reason, DateTimeOffset Started, TimeSpan Elapsed, FullSyncResult Result, WatchState State);

/// <summary>A snapshot of a watch, safe to read from any thread.</summary>
/// <param name="Pending">Changed paths gathered and not applied yet (failing keys not included).</param>
/// <param name="FailingKeys">Keys that failed and wait for a retry.</param>
/// <param name="OldestPendingChange">When the oldest change not applied yet was seen (failing keys and lost events
/// included), or <see langword="null"/>.</param>
/// <param name="FullSyncRequested">When a full sync was asked for that has not started yet, or <see langword="null"/>.</param>
/// <param name="LastBatch">The last batch: when, how many keys and bytes, how long; <see langword="null"/> before one.</param>
/// <param name="LastFullSync">When the last finished full sync started, or <see langword="null"/>.</param>
/// <param name="FullSyncRunning">Whether a full sync runs now.</param>
internal sealed record WatchState(int Pending, int FailingKeys, DateTimeOffset? OldestPendingChange, DateTimeOffset? FullSyncRequested,
    LastBatch? LastBatch, DateTimeOffset? LastFullSync, bool FullSyncRunning);

/// <summary>The last batch in a <see cref="WatchState"/>.</summary>
/// <param name="Time">When it was applied.</param>
/// <param name="Keys">How many changed paths it applied.</param>
/// <param name="CopiedBytes">Bytes it copied, over every destination.</param>
/// <param name="Elapsed">How long it took.</param>
internal sealed record LastBatch(DateTimeOffset Time, int Keys, long CopiedBytes, TimeSpan Elapsed);

/// <summary>The totals of a watch when it stops.</summary>
/// <param name="FullSyncs">Full syncs run.</param>
/// <param name="Batches">Batches applied.</param>
/// <param name="Keys">Changed paths applied by batches.</param>
/// <param name="Counters">Engine counters of every batch and full sync, summed.</param>
/// <param name="Failing">The keys still failing, with attempts and last error.</param>
/// <param name="NotApplied">Changes gathered but not applied when the watch stopped.</param>
/// <param name="Elapsed">How long the watch ran.</param>
internal sealed record WatchSummary(int FullSyncs, int Batches, long Keys, SyncCounters Counters, IReadOnlyList<(string Key, int Attempts, string Error)> Failing,
    int NotApplied, TimeSpan Elapsed);

/// <summary>Receives what a watch does, for display, <c>--json</c> lines and the watcher's Lease.</summary>
internal interface IWatchObserver
{
    /// <summary>A full sync starts.</summary>
    /// <param name="reason">Why.</param>
    void FullSyncStarted(string reason);

    /// <summary>A full sync ended.</summary>
    /// <param name="report">What it did.</param>
    void FullSyncFinished(FullSyncReport report);

    /// <summary>A batch was applied.</summary>
    /// <param name="report">What it did.</param>
    void BatchApplied(BatchReport report);

    /// <summary>Changes may have been missed, or a batch waits (for people, on stderr).</summary>
    /// <param name="message">What happened and what follows.</param>
    void Problem(string message);
}
