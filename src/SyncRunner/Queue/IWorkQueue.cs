using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Queue;

/// <summary>
/// The work queue of one run: a scan publishes copy tasks over half-open key ranges with a checkpointed
/// cursor; workers claim tasks, checkpoint the last finished key with counters, and complete or fail them;
/// delete tasks are published only after every copy task succeeded.
/// </summary>
/// <remarks>
/// DESIGN.md, "Distributed work: the lease-coordinated queue". <see cref="InProcessWorkQueue"/> serves
/// <c>ferry sync</c>; a Kubernetes implementation keeps the same state in <c>coordination.k8s.io/v1</c>
/// Lease objects (scan lease with the cursor, one Lease per task with range, state, attempts, checkpoint
/// and counters in annotations). Implementations are safe to call from many threads.
/// </remarks>
public interface IWorkQueue
{
    /// <summary>The key where the scan stopped (the start of the next task to publish), or <see langword="null"/> when it has not started.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The cursor, or <see langword="null"/>.</returns>
    Task<string?> GetScanCursorAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether the scan has finished.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> once <see cref="CompleteScanAsync"/> was called.</returns>
    Task<bool> IsScanDoneAsync(CancellationToken cancellationToken = default);

    /// <summary>Publishes a copy task for <paramref name="range"/> and moves the scan cursor to its end, in one step.</summary>
    /// <param name="range">The half-open range; its start equals the current cursor.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The published task.</returns>
    /// <exception cref="LeaseLostException">The scan lease was lost (another worker took the scan over).</exception>
    Task<RangeTask> PublishAsync(KeyRange range, CancellationToken cancellationToken = default);

    /// <summary>Marks the scan finished: no more copy tasks will come.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when recorded.</returns>
    Task CompleteScanAsync(CancellationToken cancellationToken = default);

    /// <summary>Publishes one delete task per copy task range; call only when every copy task is done and the delete count is within <c>maxDelete</c>. Idempotent: many workers may call it; the tasks are published once.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The number of delete tasks published by this call (0 when they were published before).</returns>
    /// <exception cref="InvalidOperationException">The scan is not done or some copy task is not done.</exception>
    Task<int> PublishDeleteTasksAsync(CancellationToken cancellationToken = default);

    /// <summary>Claims a pending task of <paramref name="phase"/>, waiting while more may come.</summary>
    /// <param name="phase">The phase to work on.</param>
    /// <param name="holderIdentity">The claiming worker.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease, or <see langword="null"/> when the phase has no pending task and none can appear (scan done, nothing running),
    /// or when a failed outcome is recorded (<see cref="SetOutcomeAsync"/>).</returns>
    Task<RangeTaskLease?> ClaimAsync(RangeTaskPhase phase, string holderIdentity, CancellationToken cancellationToken = default);

    /// <summary>Records that every key up to <paramref name="lastKey"/> is finished, with the task's counters so far.</summary>
    /// <param name="lease">The holder's lease.</param>
    /// <param name="lastKey">The last key finished in order.</param>
    /// <param name="counters">The task's counters up to <paramref name="lastKey"/> (copied: the caller may go on changing its own).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when recorded.</returns>
    /// <exception cref="LeaseLostException">The lease was lost (another worker took the task over).</exception>
    /// <exception cref="InvalidOperationException">The lease is no longer held (the task was completed or failed).</exception>
    Task CheckpointAsync(RangeTaskLease lease, string lastKey, TaskCounters counters, CancellationToken cancellationToken = default);

    /// <summary>Marks the task done with its final counters.</summary>
    /// <param name="lease">The holder's lease.</param>
    /// <param name="counters">The task's final counters (copied).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when recorded.</returns>
    /// <exception cref="LeaseLostException">The lease was lost (another worker took the task over).</exception>
    /// <exception cref="InvalidOperationException">The lease is no longer held (the task was completed or failed).</exception>
    Task CompleteAsync(RangeTaskLease lease, TaskCounters counters, CancellationToken cancellationToken = default);

    /// <summary>Releases the task after a failed attempt: pending again while attempts remain, otherwise failed.</summary>
    /// <param name="lease">The holder's lease.</param>
    /// <param name="reason">Why the attempt failed (no secrets).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns><see langword="true"/> when the task failed for good.</returns>
    /// <exception cref="LeaseLostException">The lease was lost (another worker took the task over).</exception>
    /// <exception cref="InvalidOperationException">The lease is no longer held (the task was completed or failed).</exception>
    Task<bool> FailAsync(RangeTaskLease lease, string reason, CancellationToken cancellationToken = default);

    /// <summary>Summarises the queue.</summary>
    /// <param name="phase">The phase to count tasks of.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Task counts and summed counters of that phase.</returns>
    Task<QueueStatus> GetStatusAsync(RangeTaskPhase phase, CancellationToken cancellationToken = default);
    /// <summary>Waits until <paramref name="holderIdentity"/> holds the scan lease (only the holder scans) or the scan is done.</summary>
    /// <param name="holderIdentity">The worker asking.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The hold, or <see langword="null"/> once the scan is done (by whichever worker).</returns>
    /// <remarks>A hold whose holder stops renewing expires; another worker then takes it over and resumes from
    /// <see cref="GetScanCursorAsync"/>.</remarks>
    Task<ScanLease?> AcquireScanAsync(string holderIdentity, CancellationToken cancellationToken = default);

    /// <summary>Records the run's outcome unless one is recorded already (the first writer wins).</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The recorded outcome: <paramref name="outcome"/>, or the one recorded before.</returns>
    Task<QueueOutcome> SetOutcomeAsync(QueueOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>The recorded outcome of the run.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The outcome, or <see langword="null"/> while none is recorded.</returns>
    Task<QueueOutcome?> GetOutcomeAsync(CancellationToken cancellationToken = default);
}
