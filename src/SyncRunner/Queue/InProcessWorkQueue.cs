using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Queue;

/// <summary>The work queue of a single process (<c>ferry sync</c>): the same protocol as the lease-coordinated queue, in memory.</summary>
/// <param name="maxAttempts">How many times a task may be claimed before it fails for good. <value>Default: 3.</value></param>
public sealed class InProcessWorkQueue(int maxAttempts = 3) : IWorkQueue
{
    private readonly object _lock = new();
    private readonly List<RangeTask> _tasks = [];
    private string? _cursor;
    private bool _scanDone;
    private bool _deletesPublished;
    private string? _scanHolder;
    private QueueOutcome? _outcome;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc/>
    public Task<string?> GetScanCursorAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_cursor);
        }
    }

    /// <inheritdoc/>
    public Task<bool> IsScanDoneAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_scanDone);
        }
    }

    /// <inheritdoc/>
    public Task<RangeTask> PublishAsync(KeyRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        lock (_lock)
        {
            if (_scanDone)
            {
                throw new InvalidOperationException("the scan is already complete");
            }

            var task = new RangeTask($"copy-{_tasks.Count:D5}", RangeTaskPhase.Copy, range);
            _tasks.Add(task);
            _cursor = range.End ?? "";
            Signal();
            return Task.FromResult(task);
        }
    }

    /// <inheritdoc/>
    public Task CompleteScanAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _scanDone = true;
            Signal();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<int> PublishDeleteTasksAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_scanDone || _tasks.Any(t => t.Phase == RangeTaskPhase.Copy && t.State != RangeTaskState.Done))
            {
                throw new InvalidOperationException("delete tasks are published only after every copy task is done");
            }

            if (_deletesPublished)
            {
                return Task.FromResult(0);
            }

            RangeTask[] copies = _tasks.Where(t => t.Phase == RangeTaskPhase.Copy).ToArray();
            foreach (RangeTask copy in copies)
            {
                _tasks.Add(new RangeTask(copy.Id.Replace("copy-", "delete-", StringComparison.Ordinal), RangeTaskPhase.Delete, copy.Range));
            }

            _deletesPublished = true;
            Signal();
            return Task.FromResult(copies.Length);
        }
    }

    /// <inheritdoc/>
    public async Task<RangeTaskLease?> ClaimAsync(RangeTaskPhase phase, string holderIdentity, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_outcome is { Succeeded: false })
                {
                    return null; // the run has failed: no more work
                }

                int i = _tasks.FindIndex(t => t.Phase == phase && t.State == RangeTaskState.Pending);
                if (i >= 0)
                {
                    RangeTask claimed = _tasks[i] with { State = RangeTaskState.Running, Attempts = _tasks[i].Attempts + 1 };
                    _tasks[i] = claimed;
                    return new RangeTaskLease(claimed, holderIdentity);
                }

                bool morePossible = (phase == RangeTaskPhase.Copy && !_scanDone)
                    || _tasks.Any(t => t.Phase == phase && t.State == RangeTaskState.Running);
                if (!morePossible)
                {
                    return null;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public Task CheckpointAsync(RangeTaskLease lease, string lastKey, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        Update(lease, t => t with { LastKey = lastKey, Counters = counters.Clone() });
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task CompleteAsync(RangeTaskLease lease, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        Update(lease, t => t with { State = RangeTaskState.Done, Counters = counters.Clone() });
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<bool> FailAsync(RangeTaskLease lease, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        RangeTask updated = Update(lease, t => t with
        {
            State = t.Attempts >= maxAttempts ? RangeTaskState.Failed : RangeTaskState.Pending,
            LastError = reason,
        });
        return Task.FromResult(updated.State == RangeTaskState.Failed);
    }

    /// <inheritdoc/>
    public Task<QueueStatus> GetStatusAsync(RangeTaskPhase phase, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var sum = new TaskCounters();
            int pending = 0, running = 0, done = 0, failed = 0;
            foreach (RangeTask t in _tasks.Where(t => t.Phase == phase))
            {
                sum.Add(t.Counters);
                switch (t.State)
                {
                    case RangeTaskState.Pending:
                        pending++;
                        break;
                    case RangeTaskState.Running:
                        running++;
                        break;
                    case RangeTaskState.Done:
                        done++;
                        break;
                    default:
                        failed++;
                        break;
                }
            }

            return Task.FromResult(new QueueStatus(_scanDone, pending, running, done, failed, sum));
        }
    }

    /// <inheritdoc/>
    public async Task<ScanLease?> AcquireScanAsync(string holderIdentity, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_scanDone)
                {
                    return null;
                }

                if (_scanHolder is null || _scanHolder == holderIdentity)
                {
                    _scanHolder = holderIdentity;
                    return new ScanLease(holderIdentity);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public Task<QueueOutcome> SetOutcomeAsync(QueueOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_lock)
        {
            _outcome ??= outcome;
            return Task.FromResult(_outcome);
        }
    }

    /// <inheritdoc/>
    public Task<QueueOutcome?> GetOutcomeAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_outcome);
        }
    }

    /// <summary>The queue's state, consistent at one instant (for a checkpoint file).</summary>
    /// <returns>The scan cursor, whether the scan and the publication of delete tasks are done, and a copy of every task.</returns>
    internal (string? Cursor, bool ScanDone, bool DeletesPublished, IReadOnlyList<RangeTask> Tasks) Export()
    {
        lock (_lock)
        {
            return (_cursor, _scanDone, _deletesPublished, _tasks.ToArray());
        }
    }

    /// <summary>Starts this queue from a saved state: tasks that were running (their process was killed) or failed are
    /// pending again and resume after their checkpointed key with its counters; done tasks stay done. Call before use.</summary>
    /// <param name="cursor">The scan cursor.</param>
    /// <param name="scanDone">Whether the scan had finished.</param>
    /// <param name="deletesPublished">Whether the delete tasks had been published.</param>
    /// <param name="tasks">The saved tasks, in publication order.</param>
    /// <exception cref="InvalidOperationException">The queue is in use already.</exception>
    internal void Restore(string? cursor, bool scanDone, bool deletesPublished, IEnumerable<RangeTask> tasks)
    {
        lock (_lock)
        {
            if (_tasks.Count > 0 || _cursor is not null || _scanDone)
            {
                throw new InvalidOperationException("a queue is restored before its first use");
            }

            _cursor = cursor;
            _scanDone = scanDone;
            _deletesPublished = deletesPublished;
            foreach (RangeTask t in tasks)
            {
                _tasks.Add(t.State is RangeTaskState.Running or RangeTaskState.Failed ? t with { State = RangeTaskState.Pending, Attempts = 0 } : t);
            }
        }
    }

    /// <summary>A copy of every task (for tests and diagnostics).</summary>
    /// <returns>The tasks in publication order.</returns>
    public IReadOnlyList<RangeTask> Snapshot()
    {
        lock (_lock)
        {
            return _tasks.ToArray();
        }
    }

    private RangeTask Update(RangeTaskLease lease, Func<RangeTask, RangeTask> change)
    {
        lock (_lock)
        {
            int i = _tasks.FindIndex(t => t.Id == lease.Task.Id);
            if (i < 0 || _tasks[i].State != RangeTaskState.Running || _tasks[i].Attempts != lease.Task.Attempts)
            {
                throw new InvalidOperationException($"no lease is held on task {lease.Task.Id} (completed, failed or not claimed)");
            }

            _tasks[i] = change(_tasks[i]);
            Signal();
            return _tasks[i];
        }
    }

    private void Signal()
    {
        TaskCompletionSource old = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }
}
