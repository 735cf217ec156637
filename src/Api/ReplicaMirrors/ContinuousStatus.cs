using Ferry.Api.Schema;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The state of a continuous mirror's watcher (<c>status.continuous</c>), as the operator last read it from
/// the watcher's Lease (<see cref="WatcherState"/>) and pods.</summary>
/// <remarks>The watcher reports once per batch and at a heartbeat, never per key, so a burst of changes costs a few
/// API requests. <c>pendingChanges</c> and the lag are also the operator's <c>ferry_mirror_pending_changes</c> and
/// <c>ferry_mirror_change_lag_seconds</c> metrics.</remarks>
public sealed class ContinuousStatus
{
    /// <summary>The watcher pod running now (or last), named <c>MIRROR-watcher-N</c>.</summary>
    [Length(1, 253)]
    public string? WatcherPod { get; set; }

    /// <summary>How many watcher pods were created after the first because the one before ended.</summary>
    [Minimum(0)]
    public long? WatcherRestarts { get; set; }

    /// <summary>Watcher pods in a row that ended without running long; the next one is created after a back-off of
    /// 10 s doubling up to 5 min (as the kubelet's CrashLoopBackOff).</summary>
    [Minimum(0)]
    public long? WatcherFailures { get; set; }

    /// <summary>Changed keys gathered and not applied yet (including keys that failed and wait for a retry).</summary>
    [Minimum(0)]
    public long? PendingChanges { get; set; }

    /// <summary>When the oldest change not applied yet was seen; after lost events, the time they were lost (until a
    /// full sync that started later has finished). Absent when nothing is pending.</summary>
    [Format("date-time")]
    public DateTimeOffset? OldestPendingChangeTime { get; set; }

    /// <summary>When the last batch was applied.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastBatchTime { get; set; }

    /// <summary>How many changed keys the last batch applied.</summary>
    [Minimum(0)]
    public long? LastBatchKeys { get; set; }

    /// <summary>Keys whose copy or delete failed and that are retried with back-off on later batches.</summary>
    [Minimum(0)]
    public long? FailingKeys { get; set; }

    /// <summary>When the last full sync that finished on every destination started.</summary>
    [Format("date-time")]
    public DateTimeOffset? LastFullSyncTime { get; set; }
}
