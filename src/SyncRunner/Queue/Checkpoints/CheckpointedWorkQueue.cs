using System.Text.Json.Nodes;
using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Queue.Checkpoints;

/// <summary>
/// The in-process work queue of <c>ferry sync --enable-checkpoint</c>: every state change goes to the
/// <see cref="InProcessWorkQueue"/>, and the queue's state (the scan cursor and every range task with its last
/// finished key and counters) is written to the <see cref="CheckpointFile"/> at most once per interval, when the scan
/// completes, and by <see cref="SaveAsync"/>. A run started from that file resumes where it stopped: done tasks are not
/// listed again, a task that was running resumes after its last finished key with the counters up to it.
/// </summary>
/// <remarks>The checkpoints are the ones the Lease queue keeps in its task Leases (DESIGN.md, "Checkpoints inside a
/// task"); the engine writes them every <c>SyncEngineSettings.CheckpointInterval</c> after the keys planned so
/// far have finished. A failed save is reported and the run goes on (the previous checkpoint stays whole).</remarks>
internal sealed class CheckpointedWorkQueue : IWorkQueue
{
    private readonly InProcessWorkQueue _inner;
    private readonly CheckpointFile _file;
    private readonly CheckpointDocument _header;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Action<string>? _onError;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private long _lastSave;

    /// <summary>Creates the queue.</summary>
    /// <param name="inner">The queue, restored from the checkpoint or fresh.</param>
    /// <param name="file">Where the checkpoint goes.</param>
    /// <param name="header">SRC, DST and options, written with every checkpoint.</param>
    /// <param name="interval">The least time between two periodic saves.</param>
    /// <param name="time">The clock.</param>
    /// <param name="onError">Told about a save that failed.</param>
    public CheckpointedWorkQueue(InProcessWorkQueue inner, CheckpointFile file, CheckpointDocument header, TimeSpan interval, TimeProvider time, Action<string>? onError)
    {
        _inner = inner;
        _file = file;
        _header = header;
        _interval = interval;
        _time = time;
        _onError = onError;
        _lastSave = time.GetTimestamp();
    }

    /// <summary>How many checkpoints were written.</summary>
    public int Saves { get; private set; }

    /// <summary>The checkpoint of <paramref name="queue"/>'s state now.</summary>
    public static CheckpointDocument Snapshot(InProcessWorkQueue queue, CheckpointDocument header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(header);
        (string? cursor, bool scanDone, bool deletesPublished, IReadOnlyList<RangeTask> tasks) = queue.Export();
        return header with
        {
            SavedAt = now,
            ScanCursor = cursor,
            ScanDone = scanDone,
            DeletesPublished = deletesPublished,
            Tasks = tasks.Select(t => new CheckpointDocument.TaskEntry
            {
                Id = t.Id,
                Phase = t.Phase,
                Start = t.Range.Start,
                End = t.Range.End,
                State = t.State,
                LastKey = t.LastKey,
                Counters = JsonNode.Parse(t.Counters.ToJson()),
                LastError = t.LastError,
            }).ToList(),
        };
    }

    /// <summary>Starts <paramref name="queue"/> from <paramref name="saved"/> (see <see cref="InProcessWorkQueue.Restore"/>).</summary>
    /// <returns>The counters of the tasks that were done: they carry over into this run's summary.</returns>
    public static TaskCounters Restore(InProcessWorkQueue queue, CheckpointDocument saved)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(saved);
        var done = new TaskCounters();
        var tasks = new List<RangeTask>();
        foreach (CheckpointDocument.TaskEntry e in saved.Tasks)
        {
            TaskCounters counters = TaskCounters.Parse(e.Counters?.ToJsonString()) ?? new TaskCounters();
            var task = new RangeTask(e.Id, e.Phase, new KeyRange(e.Start, e.End)) { State = e.State, LastKey = e.LastKey, Counters = counters, LastError = e.LastError };
            if (e.State == RangeTaskState.Done)
            {
                done.Add(counters);
            }

            tasks.Add(task);
        }

        queue.Restore(saved.ScanCursor, saved.ScanDone, saved.DeletesPublished, tasks);
        return done;
    }

    /// <summary>Writes the checkpoint now.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written (or the failure was reported).</returns>
    public async Task SaveAsync(CancellationToken cancellationToken = default)
    {
        await _saving.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _file.SaveAsync(Snapshot(_inner, _header, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            Saves++;
            _lastSave = _time.GetTimestamp();
        }
        catch (Exception e) when (e is Storage.StorageException or IOException or UnauthorizedAccessException)
        {
            _onError?.Invoke($"saving the checkpoint {_file.Location} failed (the previous one stays): {e.Message}");
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <inheritdoc/>
    public Task<string?> GetScanCursorAsync(CancellationToken cancellationToken = default) => _inner.GetScanCursorAsync(cancellationToken);

    /// <inheritdoc/>
    public Task<bool> IsScanDoneAsync(CancellationToken cancellationToken = default) => _inner.IsScanDoneAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task<RangeTask> PublishAsync(KeyRange range, CancellationToken cancellationToken = default)
    {
        RangeTask task = await _inner.PublishAsync(range, cancellationToken).ConfigureAwait(false);
        await SaveIfDueAsync(cancellationToken).ConfigureAwait(false);
        return task;
    }

    /// <inheritdoc/>
    public async Task CompleteScanAsync(CancellationToken cancellationToken = default)
    {
        await _inner.CompleteScanAsync(cancellationToken).ConfigureAwait(false);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<int> PublishDeleteTasksAsync(CancellationToken cancellationToken = default)
    {
        int published = await _inner.PublishDeleteTasksAsync(cancellationToken).ConfigureAwait(false);
        if (published > 0)
        {
            await SaveAsync(cancellationToken).ConfigureAwait(false);
        }

        return published;
    }

    /// <inheritdoc/>
    public Task<RangeTaskLease?> ClaimAsync(RangeTaskPhase phase, string holderIdentity, CancellationToken cancellationToken = default) =>
        _inner.ClaimAsync(phase, holderIdentity, cancellationToken);

    /// <inheritdoc/>
    public async Task CheckpointAsync(RangeTaskLease lease, string lastKey, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        await _inner.CheckpointAsync(lease, lastKey, counters, cancellationToken).ConfigureAwait(false);
        await SaveIfDueAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task CompleteAsync(RangeTaskLease lease, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        await _inner.CompleteAsync(lease, counters, cancellationToken).ConfigureAwait(false);
        await SaveIfDueAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<bool> FailAsync(RangeTaskLease lease, string reason, CancellationToken cancellationToken = default)
    {
        bool final = await _inner.FailAsync(lease, reason, cancellationToken).ConfigureAwait(false);
        await SaveIfDueAsync(cancellationToken).ConfigureAwait(false);
        return final;
    }

    /// <inheritdoc/>
    public Task<QueueStatus> GetStatusAsync(RangeTaskPhase phase, CancellationToken cancellationToken = default) => _inner.GetStatusAsync(phase, cancellationToken);

    /// <inheritdoc/>
    public Task<ScanLease?> AcquireScanAsync(string holderIdentity, CancellationToken cancellationToken = default) => _inner.AcquireScanAsync(holderIdentity, cancellationToken);

    /// <inheritdoc/>
    public Task<QueueOutcome> SetOutcomeAsync(QueueOutcome outcome, CancellationToken cancellationToken = default) => _inner.SetOutcomeAsync(outcome, cancellationToken);

    /// <inheritdoc/>
    public Task<QueueOutcome?> GetOutcomeAsync(CancellationToken cancellationToken = default) => _inner.GetOutcomeAsync(cancellationToken);

    private Task SaveIfDueAsync(CancellationToken cancellationToken) =>
        _time.GetElapsedTime(Interlocked.Read(ref _lastSave)) >= _interval ? SaveAsync(cancellationToken) : Task.CompletedTask;
}
