using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Polly;
using Polly.Retry;

namespace Ferry.SyncRunner.Execution;

/// <summary>
/// Runs a sync from a source store to a destination store through a work queue: the scan cuts the source
/// into range tasks, task runners merge-join each range and hand copies to <see cref="SyncOptions.Threads"/>
/// copy workers; destination deletes run after every copy succeeded and only within
/// <see cref="SyncOptions.MaxDelete"/>.
/// </summary>
/// <remarks>
/// Decisions follow the juicefs sync guide ("同步行为"); the queue protocol follows DESIGN.md
/// ("Distributed work: the lease-coordinated queue"). Transient storage errors are retried with exponential
/// backoff and jitter; an object that still fails is counted and the rest continue.
/// </remarks>
public sealed class SyncEngine
{
    private const int CompareBufferSize = 128 * 1024;
    private const int BatchObjects = 32;
    private const long BatchBytes = 4L << 20;

    private readonly IObjectStorage _source;
    private readonly IObjectStorage _destination;
    private readonly SyncOptions _options;
    private readonly SyncEngineSettings _settings;
    private readonly IKeyFilter _filter;
    private readonly SyncCounters _finished = new();
    private readonly ConcurrentDictionary<string, SyncCounters> _active = new();
    private readonly ConcurrentBag<string> _directoryDeletes = [];
    private readonly ResiliencePipeline _retry;
    private readonly BandwidthLimiter? _limiter;
    private readonly bool _serverSide;
    private readonly object _planLock = new();
    private readonly SemaphoreSlim _claimLock = new(1, 1);
    private readonly SemaphoreSlim _largeSlots;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _directoryGates = new(StringComparer.Ordinal);
    private long _pending;
    private long _failedTotal;
    private string? _abortReason;
    private string? _abortCondition;

    /// <summary>Creates the engine.</summary>
    /// <param name="source">The store to copy from.</param>
    /// <param name="destination">The store to copy to.</param>
    /// <param name="options">What to sync and how.</param>
    /// <param name="settings">Reporting and timing; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentException">An include/exclude pattern is invalid.</exception>
    public SyncEngine(IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings? settings = null)
        : this(source, destination, options, settings, KeyFilters.Create(options.Filters, options.MatchFullPath))
    {
    }

    internal SyncEngine(IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings? settings, IKeyFilter filter)
    {
        _source = source;
        _destination = destination;
        _options = options;
        _settings = settings ?? new SyncEngineSettings();
        _filter = filter;
        _limiter = options.BwLimit > 0 ? new BandwidthLimiter(options.BwLimit, _settings.Time) : null;
        _serverSide = _limiter is null && destination is IServerSideCopy copy && copy.CanCopyFrom(source);
        int large = Math.Clamp(_settings.LargeObjectConcurrency, 1, Math.Max(1, options.Threads));
        _largeSlots = new SemaphoreSlim(large, large);
        _retry = new ResiliencePipelineBuilder { TimeProvider = _settings.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StorageException>(e => e.IsTransient),
                MaxRetryAttempts = Math.Max(1, _settings.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _settings.RetryDelay,
            })
            .Build();
    }

    /// <summary>The counters so far: finished tasks plus the running ones.</summary>
    /// <returns>A new counters object.</returns>
    public SyncCounters Snapshot()
    {
        SyncCounters sum = _finished.Clone();
        foreach (SyncCounters c in _active.Values)
        {
            sum.Add(c);
        }

        sum.AddPending(Volatile.Read(ref _pending));
        return sum;
    }

    /// <summary>Runs the sync to the end.</summary>
    /// <param name="queue">The run's work queue (in process for <c>ferry sync</c>).</param>
    /// <param name="cancellationToken">Stops the run; temporary files are removed.</param>
    /// <returns>The outcome and final counters.</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public async Task<SyncResult> RunAsync(IWorkQueue queue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        long started = _settings.Time.GetTimestamp();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var selection = new KeySelection(_options, _filter, _settings.Time);
        var planner = new SyncPlanner(_options, selection);
        KeyRange range = KeySelection.RangeOf(_options);

        var work = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Math.Max(8, _options.Threads * 4))
        {
            SingleReader = false,
            SingleWriter = false,
        });
        Task[] workers = Enumerable.Range(0, Math.Max(1, _options.Threads))
            .Select(_ => Task.Run(() => WorkerAsync(work.Reader, abort)))
            .ToArray();

        string? taskFailure = null;
        long queueFailed = 0;
        try
        {
            // With one task runner in one process a scan would only list the source twice: the whole range is one
            // task. A distributed run always cuts (by count, or at prefixes with --list-threads > 1) so that every
            // worker gets a share. --limit keeps one ordered listing, so that the first N selected keys are synced.
            bool cut = _options.Limit < 0 && (_options.ListThreads > 1 || _settings.Distributed);
            int depth = _options.ListThreads > 1 ? Math.Max(0, _options.ListDepth) : 0;
            Task scan = ScanLoopAsync(queue, range, cut, depth, abort.Token);
            taskFailure = await RunPhaseAsync(queue, RangeTaskPhase.Copy, planner, work.Writer, abort.Token).ConfigureAwait(false);
            await scan.ConfigureAwait(false);

            // Queue-wide numbers: with many workers this process saw only its own tasks.
            QueueStatus copyStatus = await queue.GetStatusAsync(RangeTaskPhase.Copy, abort.Token).ConfigureAwait(false);
            SyncCounters all = copyStatus.Counters;
            queueFailed = all.Failed;
            taskFailure ??= copyStatus.Failed > 0 ? $"{copyStatus.Failed} range task(s) failed" : null;
            QueueOutcome? decided = await queue.GetOutcomeAsync(abort.Token).ConfigureAwait(false);
            if (_options.DeleteDst && _abortReason is null && taskFailure is null && decided is null && all.Failed == 0 && Volatile.Read(ref _failedTotal) == 0)
            {
                if (ExceedsMaxDelete(all.DeleteCandidates, all.DestinationKeys, out long allowed))
                {
                    _abortReason = $"refusing to delete {all.DeleteCandidates} destination key(s): more than --max-delete {_options.MaxDelete} ({allowed}); nothing was deleted";
                    _abortCondition = SyncJobConditionReasons.MaxDeleteExceeded;
                }
                else if (all.DeleteCandidates > 0 && !_options.DryRun)
                {
                    await queue.PublishDeleteTasksAsync(abort.Token).ConfigureAwait(false);
                    taskFailure = await RunPhaseAsync(queue, RangeTaskPhase.Delete, planner, work.Writer, abort.Token).ConfigureAwait(false);
                    await DeleteDirectoriesAsync(abort.Token).ConfigureAwait(false);
                    QueueStatus deleteStatus = await queue.GetStatusAsync(RangeTaskPhase.Delete, abort.Token).ConfigureAwait(false);
                    queueFailed += deleteStatus.Counters.Failed;
                    taskFailure ??= deleteStatus.Failed > 0 ? $"{deleteStatus.Failed} delete task(s) failed" : null;
                }
            }
        }
        catch (OperationCanceledException) when (_abortReason is not null && !cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            work.Writer.TryComplete();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        SyncCounters final = Snapshot();
        long failedObjects = Math.Max(final.Failed, queueFailed);
        string? reason = _abortReason ?? taskFailure ?? (failedObjects > 0 ? $"{failedObjects} object(s) failed" : null);
        string? condition = reason is null ? null : _abortCondition ?? SyncJobConditionReasons.ObjectsFailed;

        // The first worker to get here records the run's outcome; the others report the recorded one.
        QueueOutcome outcome = await queue.SetOutcomeAsync(new QueueOutcome(reason is null, reason, condition), CancellationToken.None).ConfigureAwait(false);
        return new SyncResult(outcome.Succeeded ? SyncOutcome.Succeeded : SyncOutcome.Failed, final, outcome.Reason, _settings.Time.GetElapsedTime(started))
        {
            Condition = outcome.Condition,
        };
    }

    /// <summary>
    /// Takes part in the scan: waits for the scan lease (or the end of the scan), then cuts the source into tasks
    /// from the checkpointed cursor. A hold lost to another worker goes back to waiting; a failed listing ends the scan
    /// (so no worker waits for tasks forever) and records the run as failed.
    /// </summary>
    private async Task ScanLoopAsync(IWorkQueue queue, KeyRange range, bool cut, int depth, CancellationToken cancellationToken)
    {
        while (true)
        {
            ScanLease? hold = await queue.AcquireScanAsync(_settings.HolderIdentity, cancellationToken).ConfigureAwait(false);
            if (hold is null)
            {
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, hold.Lost);
            try
            {
                if (cut)
                {
                    await new RangeScanner(_source, queue, range, _options.Links, _options.TaskObjects, _options.TaskBytes, depth).RunAsync(linked.Token).ConfigureAwait(false);
                }
                else
                {
                    await RangeScanner.PublishWholeRangeAsync(queue, range, linked.Token).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException && hold.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _settings.OnError?.Invoke("the scan lease was lost; another worker continues the scan");
            }
            catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
            {
                string reason = $"listing the source failed: {e.Message}";
                _abortReason ??= reason;
                _settings.OnError?.Invoke(reason);
                await queue.SetOutcomeAsync(new QueueOutcome(false, reason, SyncJobConditionReasons.ObjectsFailed), CancellationToken.None).ConfigureAwait(false);
                await queue.CompleteScanAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>Whether <paramref name="candidates"/> deletes exceed <see cref="SyncOptions.MaxDelete"/>.</summary>
    internal bool ExceedsMaxDelete(long candidates, long destinationKeys, out long allowed)
    {
        allowed = long.MaxValue;
        string? max = _options.MaxDelete?.Trim();
        if (string.IsNullOrEmpty(max))
        {
            return false;
        }

        allowed = max.EndsWith('%')
            ? (long)Math.Floor(double.Parse(max[..^1], CultureInfo.InvariantCulture) / 100 * destinationKeys)
            : long.Parse(max, CultureInfo.InvariantCulture);
        return candidates > allowed;
    }

    private async Task<string?> RunPhaseAsync(IWorkQueue queue, RangeTaskPhase phase, SyncPlanner planner, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        string? lastFailure = null;
        Task[] runners = Enumerable.Range(0, Math.Max(1, _options.ListThreads)).Select(async i =>
        {
            // One task runner claims as the worker itself (its holderIdentity is the pod name); several are told apart.
            string holder = _options.ListThreads > 1 ? $"{_settings.HolderIdentity}/{i}" : _settings.HolderIdentity;
            while (await ClaimAsync(queue, phase, holder, cancellationToken).ConfigureAwait(false) is { } lease)
            {
                string? failure;
                try
                {
                    await WaitForAncestorDirectoriesAsync(lease.Task, cancellationToken).ConfigureAwait(false);
                    failure = await RunTaskAsync(queue, lease, planner, work, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    OpenGate(lease.Task);
                }

                if (failure is not null)
                {
                    lastFailure = failure;
                }
            }
        }).ToArray();
        await Task.WhenAll(runners).ConfigureAwait(false);
        return lastFailure;
    }

    /// <summary>
    /// Claims the next task. With <c>--dirs</c> in the copy pass, the claim also registers a gate for the task's
    /// start, under one lock, so that a task claimed later in this process always sees the gates of the tasks
    /// claimed before it.
    /// </summary>
    private async Task<RangeTaskLease?> ClaimAsync(IWorkQueue queue, RangeTaskPhase phase, string holder, CancellationToken cancellationToken)
    {
        if (!_options.Dirs || phase != RangeTaskPhase.Copy)
        {
            return await queue.ClaimAsync(phase, holder, cancellationToken).ConfigureAwait(false);
        }

        await _claimLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RangeTaskLease? lease = await queue.ClaimAsync(phase, holder, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                _directoryGates.GetOrAdd(lease.Task.Range.Start, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            return lease;
        }
        finally
        {
            _claimLock.Release();
        }
    }

    /// <summary>
    /// With <c>--dirs</c>, a range that starts inside a directory (<c>a/x/</c> with <c>--list-depth</c> 2) waits
    /// until the ranges that start at its ancestor directories (<c>a/</c>), when this process runs them, have
    /// planned their first key. Otherwise a file copied here would create <c>a/</c> before that range saw the
    /// destination without it, and the directory would count as skipped instead of copied: the counters of a
    /// concurrent run would differ from those of one ordered listing.
    /// </summary>
    private async Task WaitForAncestorDirectoriesAsync(RangeTask task, CancellationToken cancellationToken)
    {
        if (!_options.Dirs || task.Phase != RangeTaskPhase.Copy)
        {
            return;
        }

        string start = task.Range.Start;
        for (int i = start.IndexOf('/'); i >= 0 && i < start.Length - 1; i = start.IndexOf('/', i + 1))
        {
            if (_directoryGates.TryGetValue(start[..(i + 1)], out TaskCompletionSource? gate))
            {
                await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Lets ranges inside this task's start directory proceed: its first key is planned (or the task ended).</summary>
    private void OpenGate(RangeTask task)
    {
        if (_directoryGates.TryGetValue(task.Range.Start, out TaskCompletionSource? gate))
        {
            gate.TrySetResult();
        }
    }

    private async Task<string?> RunTaskAsync(IWorkQueue queue, RangeTaskLease lease, SyncPlanner planner, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        RangeTask task = lease.Task;
        SyncCounters counters = task.Counters.Clone();
        _active[task.Id] = counters;
        var watermark = new Watermark();
        var run = new TaskRun(counters, watermark);
        bool copyPhase = task.Phase == RangeTaskPhase.Copy;
        string start = task.LastKey is null ? task.Range.Start : task.LastKey + "\0";
        CancellationToken phaseToken = cancellationToken;
        using CancellationTokenSource? linked = lease.Lost.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost) : null;
        cancellationToken = linked?.Token ?? cancellationToken;
        long lastCheckpoint = _settings.Time.GetTimestamp();
        try
        {
            IAsyncEnumerable<ObjectEntry> src = _source.ListAsync(new ListOptions { Start = start, End = task.Range.End, Links = _options.Links }, cancellationToken);
            IAsyncEnumerable<ObjectEntry> dst = CountDestination(
                Prefetch.AheadAsync(_destination.ListAsync(new ListOptions { Start = start, End = task.Range.End, Links = true }, cancellationToken), 4, cancellationToken),
                counters,
                copyPhase);
            long n = 0;
            await foreach (PlannedAction action in planner.PlanAsync(src, dst, cancellationToken).ConfigureAwait(false))
            {
                if (n == 0)
                {
                    OpenGate(task);
                }

                if (copyPhase)
                {
                    await PlanCopyPhaseAsync(action, run, work, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await PlanDeletePhaseAsync(action, run, work, cancellationToken).ConfigureAwait(false);
                }

                if (++n % _settings.CheckpointEveryKeys == 0)
                {
                    await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
                    if (_settings.Time.GetElapsedTime(lastCheckpoint) >= _settings.CheckpointInterval)
                    {
                        // A checkpoint pairs a key with the counters of exactly the keys up to it: wait until every
                        // key planned so far is finished, so that a worker resuming after it counts no key twice.
                        await watermark.DrainAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                        if (watermark.LastKey is { } last)
                        {
                            await queue.CheckpointAsync(lease, last, counters, cancellationToken).ConfigureAwait(false);
                        }

                        lastCheckpoint = _settings.Time.GetTimestamp();
                    }
                }
            }

            await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
            await watermark.DrainAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await queue.CompleteAsync(lease, counters, cancellationToken).ConfigureAwait(false);
            _finished.Add(counters);
            _active.TryRemove(task.Id, out _);
            return null;
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException && lease.Lost.IsCancellationRequested && !phaseToken.IsCancellationRequested)
        {
            // Another worker took the task over: stop without failing it; its new holder redoes the keys after the
            // last published checkpoint, and this attempt's counters are dropped.
            if (run.Open is { } open)
            {
                Interlocked.Add(ref _pending, -open.Actions.Count);
                run.Open = null;
                open.Slot.Finish();
            }

            await watermark.DrainAsync().ConfigureAwait(false);
            _settings.OnError?.Invoke($"task {task.Id}: lease lost; another worker continues it");
            _active.TryRemove(task.Id, out _);
            return null;
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            if (run.Open is { } open)
            {
                // Never dispatched: the retry of the task redoes these keys.
                Interlocked.Add(ref _pending, -open.Actions.Count);
                run.Open = null;
                open.Slot.Finish();
            }

            await watermark.DrainAsync().ConfigureAwait(false);
            string reason = $"task {task.Id} {task.Range}: {e.Message}";
            _settings.OnError?.Invoke(reason);
            bool final = await queue.FailAsync(lease, reason, CancellationToken.None).ConfigureAwait(false);
            if (final)
            {
                _finished.Add(counters);
            }

            _active.TryRemove(task.Id, out _);
            return final ? reason : null;
        }
    }

    private static async IAsyncEnumerable<ObjectEntry> CountDestination(IAsyncEnumerable<ObjectEntry> entries, SyncCounters counters, bool count)
    {
        await foreach (ObjectEntry e in entries.ConfigureAwait(false))
        {
            if (count && e.Kind != EntryKind.Directory)
            {
                counters.AddDestinationKey();
            }

            yield return e;
        }
    }

    private async ValueTask PlanCopyPhaseAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        if (action.Kind == SyncActionKind.Resolve && _options.DryRun)
        {
            // A dry run has no copy workers to resolve in; it reads the exact times here.
            action = await ResolveAsync(action, cancellationToken).ConfigureAwait(false);
        }

        SyncCounters counters = run.Counters;
        Watermark watermark = run.Watermark;
        long size = action.Source?.Size ?? 0;
        if (action.Source is not null)
        {
            counters.AddScanned(size);
        }

        switch (action.Kind)
        {
            case SyncActionKind.Skip:
                counters.AddSkipped(size);
                watermark.Done(action.Key);
                return;
            case SyncActionKind.Exclude:
                counters.AddExcluded();
                watermark.Done(action.Key);
                return;
            case SyncActionKind.Extra:
                counters.AddExtra();
                watermark.Done(action.Key);
                return;
            case SyncActionKind.DeleteDst:
                counters.AddExtra();
                counters.AddDeleteCandidate();
                if (_options.DryRun)
                {
                    Plan("delete-dst", action.Key);
                }

                watermark.Done(action.Key);
                return;
        }

        if (_options.DryRun)
        {
            switch (action.Kind)
            {
                case SyncActionKind.Copy:
                    Plan("copy", action.Key);
                    counters.AddCopied(size);
                    if (_options.DeleteSrc && action.Source!.Kind != EntryKind.Directory)
                    {
                        Plan("delete-src", action.Key);
                    }

                    break;
                case SyncActionKind.DeleteSrc:
                    Plan("delete-src", action.Key);
                    counters.AddSkipped(size);
                    break;
                case SyncActionKind.CopyPerms:
                    Plan("chmod", action.Key);
                    counters.AddSkipped(size);
                    break;
                default:
                    counters.AddChecked();
                    counters.AddSkipped(size);
                    break;
            }

            watermark.Done(action.Key);
            return;
        }

        await DispatchAsync(action, run, work, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask PlanDeletePhaseAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        Watermark watermark = run.Watermark;
        if (action.Kind != SyncActionKind.DeleteDst)
        {
            watermark.Done(action.Key);
            return;
        }

        if (action.Key.EndsWith('/'))
        {
            _directoryDeletes.Add(action.Key);
            watermark.Done(action.Key);
            return;
        }

        await DispatchAsync(action, run, work, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a copy or delete to the task's open batch; batches of small objects keep thread hand-offs and lock traffic per object low.</summary>
    private async ValueTask DispatchAsync(PlannedAction action, TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        Batch batch = run.Open ??= new Batch(run.Counters, run.Watermark.Begin(action.Key));
        batch.Actions.Add(action);
        batch.Slot.Key = action.Key;
        batch.Bytes += action.Source?.Size ?? 0;
        Interlocked.Increment(ref _pending);
        if (batch.Actions.Count >= BatchObjects || batch.Bytes >= BatchBytes)
        {
            await FlushAsync(run, work, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FlushAsync(TaskRun run, ChannelWriter<Batch> work, CancellationToken cancellationToken)
    {
        if (run.Open is { } batch)
        {
            run.Open = null;
            try
            {
                await work.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Never dispatched: release its slot so that the task's watermark can drain.
                Interlocked.Add(ref _pending, -batch.Actions.Count);
                batch.Slot.Finish();
                throw;
            }
        }
    }

    private void Plan(string verb, string key)
    {
        if (_settings.PlanOutput is { } output)
        {
            lock (_planLock)
            {
                output.WriteLine($"{verb} {key}");
            }
        }
    }

    private async Task WorkerAsync(ChannelReader<Batch> reader, CancellationTokenSource abort)
    {
        try
        {
            await foreach (Batch batch in reader.ReadAllAsync(abort.Token).ConfigureAwait(false))
            {
                int done = 0;
                try
                {
                    foreach (PlannedAction action in batch.Actions)
                    {
                        abort.Token.ThrowIfCancellationRequested();
                        await RunOneAsync(action, batch.Counters, abort).ConfigureAwait(false);
                        done++;
                        Interlocked.Decrement(ref _pending);
                    }
                }
                finally
                {
                    Interlocked.Add(ref _pending, done - batch.Actions.Count);
                    batch.Slot.Finish();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Drain what is left so that task runners waiting on their watermark finish.
            while (reader.TryRead(out Batch? batch))
            {
                Interlocked.Add(ref _pending, -batch.Actions.Count);
                batch.Slot.Finish();
            }
        }
    }

    private async ValueTask RunOneAsync(PlannedAction action, SyncCounters counters, CancellationTokenSource abort)
    {
        try
        {
            await _retry.ExecuteAsync(static (state, ct) => state.Engine.ExecuteAsync(state.Action, state.Counters, ct), (Engine: this, Action: action, Counters: counters), abort.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !abort.IsCancellationRequested)
        {
            // Any failure of one object (also an unexpected exception type, or a timeout surfacing as a cancellation)
            // counts as that object failing: a copy worker that died would leave its task's watermark undrained.
            counters.AddFailed();
            long failed = Interlocked.Increment(ref _failedTotal);
            _settings.OnError?.Invoke($"failed {action.Kind.ToString().ToLowerInvariant()} {action.Key}: {e.Message}");
            _settings.OnFailed?.Invoke(action.Key, e.Message);
            if (_options.MaxFailures > 0 && failed >= _options.MaxFailures && _abortReason is null)
            {
                _abortReason = $"aborted after {failed} failed object(s) (--max-failure {_options.MaxFailures})";
                _abortCondition = SyncJobConditionReasons.MaxFailuresReached;
                await abort.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ExecuteAsync(PlannedAction a, SyncCounters counters, CancellationToken cancellationToken)
    {
        switch (a.Kind)
        {
            case SyncActionKind.Copy:
                await CopyAsync(a.Source!, counters, cancellationToken).ConfigureAwait(false);
                break;
            case SyncActionKind.Resolve:
                PlannedAction resolved = await ResolveAsync(a, cancellationToken).ConfigureAwait(false);
                if (resolved.Kind == SyncActionKind.Skip)
                {
                    counters.AddSkipped(a.Source!.Size);
                    return;
                }

                await ExecuteAsync(resolved, counters, cancellationToken).ConfigureAwait(false);
                return;
            case SyncActionKind.Check:
                counters.AddChecked();
                if (await SameContentAsync(a.Key, cancellationToken).ConfigureAwait(false))
                {
                    if (_options.DeleteSrc)
                    {
                        await _source.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                        counters.AddDeleted();
                    }

                    counters.AddSkipped(a.Source!.Size);
                }
                else
                {
                    await CopyAsync(a.Source!, counters, cancellationToken).ConfigureAwait(false);
                }

                break;
            case SyncActionKind.CopyPerms:
                await _destination.SetAttributesAsync(a.Key, a.Source!.Mode, null, cancellationToken).ConfigureAwait(false);
                counters.AddCopied(0);
                break;
            case SyncActionKind.DeleteSrc:
                await _source.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                counters.AddDeleted();
                counters.AddSkipped(a.Source!.Size);
                break;
            case SyncActionKind.DeleteDst:
                await _destination.DeleteAsync(a.Key, cancellationToken).ConfigureAwait(false);
                counters.AddDeleted();
                break;
            default:
                throw new UnreachableException($"action {a.Kind} is not dispatched");
        }

        _settings.OnAction?.Invoke($"{a.Kind.ToString().ToLowerInvariant()} {a.Key}");
    }

    /// <summary>
    /// Decides a <see cref="SyncActionKind.Resolve"/> action again with exact modification times: HEADs the side(s)
    /// whose listing only approximated the time (<see cref="ObjectEntry.ModifiedTimeIsExact"/>). A key gone from the
    /// destination since the listing is copied; one gone from the source keeps its listed entry (its copy then fails
    /// as not found, like any key deleted mid-run).
    /// </summary>
    private async Task<PlannedAction> ResolveAsync(PlannedAction a, CancellationToken cancellationToken)
    {
        ObjectEntry s = a.Source!;
        ObjectEntry? d = a.Destination;
        if (!s.ModifiedTimeIsExact)
        {
            ObjectEntry? head = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
            s = head is null ? s with { ModifiedTimeIsExact = true } : s with { ModifiedTime = head.ModifiedTime, ModifiedTimeIsExact = true };
        }

        if (d is not null && !d.ModifiedTimeIsExact)
        {
            ObjectEntry? head = await _destination.HeadAsync(d.Key, cancellationToken).ConfigureAwait(false);
            d = head is null ? null : d with { ModifiedTime = head.ModifiedTime, Size = head.Size, ModifiedTimeIsExact = true };
        }

        return a with { Kind = Decision.Decide(s, d, _options), Source = s, Destination = d };
    }

    private async Task CopyAsync(ObjectEntry s, SyncCounters counters, CancellationToken cancellationToken)
    {
        if (!s.ModifiedTimeIsExact && _options.CheckChange && _serverSide)
        {
            // --check-change compares the source before and after the copy on the same (exact) time.
            s = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false) is { } head
                ? s with { ModifiedTime = head.ModifiedTime, ModifiedTimeIsExact = true }
                : s;
        }

        var put = new PutOptions { ModifiedTime = s.ModifiedTime, Mode = _options.Perms ? s.Mode : null };
        switch (s.Kind)
        {
            case EntryKind.Directory:
                await _destination.CreateDirectoryAsync(s.Key, put, cancellationToken).ConfigureAwait(false);
                counters.AddCopied(0);
                return;
            case EntryKind.Symlink:
                await _destination.CreateSymlinkAsync(s.Key, s.LinkTarget!, cancellationToken).ConfigureAwait(false);
                await DeleteSourceAfterCopyAsync(s, counters, cancellationToken).ConfigureAwait(false);
                counters.AddCopied(0);
                return;
        }

        if (_serverSide)
        {
            await ((IServerSideCopy)_destination).CopyFromAsync(_source, s, s.Key, put, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Large objects take one of a few slots (SyncEngineSettings.LargeObjectConcurrency) for their transfer.
            bool large = s.Size >= _settings.LargeObjectSize;
            if (large)
            {
                await _largeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                Stream stream = await _source.OpenReadAsync(s.Key, 0, -1, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    if (!s.ModifiedTimeIsExact && stream is IObjectReadInfo { ModifiedTime: { } exact })
                    {
                        // The listing only approximated the mtime; the GET response carries the stored one: keep that.
                        s = s with { ModifiedTime = exact, ModifiedTimeIsExact = true };
                        put = put with { ModifiedTime = exact };
                    }

                    Stream body = _limiter is null ? stream : new ThrottledReadStream(stream, _limiter);
                    await _destination.PutAsync(s.Key, body, s.Size, put, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (large)
                {
                    _largeSlots.Release();
                }
            }
        }

        if (_options.CheckNew)
        {
            counters.AddChecked();
            if (!await SameContentAsync(s.Key, cancellationToken).ConfigureAwait(false))
            {
                throw new StorageException(StorageErrorKind.Other, $"{s.Key}: destination content differs from the source after the copy");
            }
        }

        if (_options.CheckChange)
        {
            ObjectEntry? now = await _source.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
            if (now is null || now.Size != s.Size || now.ModifiedTime.ToUnixTimeSeconds() != s.ModifiedTime.ToUnixTimeSeconds())
            {
                throw new StorageException(StorageErrorKind.Other, $"{s.Key}: the source changed while it was copied");
            }
        }

        await DeleteSourceAfterCopyAsync(s, counters, cancellationToken).ConfigureAwait(false);
        counters.AddCopied(s.Size);
    }

    /// <summary>With <c>--delete-src</c>, deletes the source key once the destination holds it with the same size.</summary>
    private async Task DeleteSourceAfterCopyAsync(ObjectEntry s, SyncCounters counters, CancellationToken cancellationToken)
    {
        if (!_options.DeleteSrc)
        {
            return;
        }

        ObjectEntry? copied = await _destination.HeadAsync(s.Key, cancellationToken).ConfigureAwait(false);
        if (copied is null || (s.Kind == EntryKind.File && copied.Size != s.Size))
        {
            throw new StorageException(StorageErrorKind.Other, $"{s.Key}: the copy could not be verified; the source was kept");
        }

        await _source.DeleteAsync(s.Key, cancellationToken).ConfigureAwait(false);
        counters.AddDeleted();
    }

    private async Task<bool> SameContentAsync(string key, CancellationToken cancellationToken)
    {
        byte[] a = ArrayPool<byte>.Shared.Rent(CompareBufferSize);
        byte[] b = ArrayPool<byte>.Shared.Rent(CompareBufferSize);
        try
        {
            Stream x = await _source.OpenReadAsync(key, 0, -1, cancellationToken).ConfigureAwait(false);
            await using (x.ConfigureAwait(false))
            {
                Stream y = await _destination.OpenReadAsync(key, 0, -1, cancellationToken).ConfigureAwait(false);
                await using (y.ConfigureAwait(false))
                {
                    while (true)
                    {
                        int n = await x.ReadAtLeastAsync(a.AsMemory(0, CompareBufferSize), CompareBufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                        int m = await y.ReadAtLeastAsync(b.AsMemory(0, CompareBufferSize), CompareBufferSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                        if (n != m || !a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, m)))
                        {
                            return false;
                        }

                        if (n == 0)
                        {
                            return true;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    private async Task DeleteDirectoriesAsync(CancellationToken cancellationToken)
    {
        string[] dirs = _directoryDeletes.ToArray();
        Array.Sort(dirs, KeyComparer.Utf8);
        Array.Reverse(dirs);
        foreach (string dir in dirs)
        {
            try
            {
                await _destination.DeleteAsync(dir, cancellationToken).ConfigureAwait(false);
                _finished.AddDeleted();
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Invalid)
            {
                // Not empty: it holds keys the filters exclude, which are never deleted.
            }
        }
    }

    /// <summary>Consecutive copies or deletes of one range task, run in order by one copy worker.</summary>
    private sealed class Batch(SyncCounters counters, Watermark.Slot slot)
    {
        public SyncCounters Counters { get; } = counters;

        public Watermark.Slot Slot { get; } = slot;

        public List<PlannedAction> Actions { get; } = [];

        public long Bytes { get; set; }
    }

    /// <summary>The state of one range task while it is planned.</summary>
    private sealed class TaskRun(SyncCounters counters, Watermark watermark)
    {
        public SyncCounters Counters { get; } = counters;

        public Watermark Watermark { get; } = watermark;

        public Batch? Open { get; set; }
    }
}
