using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Ferry.Api;
using Ferry.Api.Runs;
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
public sealed partial class SyncEngine
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
    private readonly ConcurrentBag<string> _sourceDirectoryDeletes = [];
    private readonly ConcurrentQueue<FailedTask> _failedTasks = new();
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
    private RunFailureKind? _abortFailure;

    /// <summary>Creates the engine.</summary>
    /// <param name="source">The store to copy from.</param>
    /// <param name="destination">The store to copy to.</param>
    /// <param name="options">What to sync and how.</param>
    /// <param name="settings">Reporting and timing; <see langword="null"/> for defaults.</param>
    /// <exception cref="ConfigurationException">An include/exclude pattern is invalid (<see cref="Filtering.FilterPatternException"/>),
    /// or <see cref="SyncOptions.InPlace"/> is set for a destination without <see cref="StorageCapabilities.InPlaceWrites"/>.</exception>
    public SyncEngine(IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings? settings = null)
        : this(source, destination, options, settings, KeyFilters.Create(options.Filters, options.MatchFullPath))
    {
    }

    internal SyncEngine(IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings? settings, IKeyFilter filter)
    {
        if (options.InPlace && !destination.Capabilities.HasFlag(StorageCapabilities.InPlaceWrites))
        {
            throw new ConfigurationException(
                $"--inplace rewrites existing files in place, which {destination.DisplayName} cannot: "
                + (destination.Capabilities.HasFlag(StorageCapabilities.Directories)
                    ? "in-place writes are implemented for local directories and volumes only"
                    : "an object store replaces whole objects on every write"));
        }

        _source = source;
        _destination = destination;
        _options = options;
        _settings = settings ?? new SyncEngineSettings();
        _filter = filter;
        if (_settings.ResumedCounters is { } resumed)
        {
            _finished.Add(SyncCounters.FromTaskCounters(resumed));
        }

        _limiter = options.BwLimit > 0 ? new BandwidthLimiter(options.BwLimit, _settings.Time) : null;
        _serverSide = _limiter is null && destination is IServerSideCopy copy && copy.CanCopyFrom(source);
        int large = Math.Clamp(_settings.LargeObjectConcurrency, 1, Math.Max(1, options.Threads));
        _largeSlots = new SemaphoreSlim(large, large);
        // The first attempt runs outside the pipeline (RunOneAsync): after its transient failure, and the first delay, the
        // pipeline makes the remaining MaxRetries - 1 retries with delays that go on doubling.
        _retry = Math.Max(1, _settings.MaxRetries) == 1 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder { TimeProvider = _settings.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StorageException>(e => e.IsTransient),
                MaxRetryAttempts = Math.Max(1, _settings.MaxRetries) - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _settings.RetryDelay * 2,
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
            TaskCounters all = copyStatus.Counters;
            queueFailed = all.Failed;
            taskFailure ??= copyStatus.Failed > 0 ? $"{copyStatus.Failed} range task(s) failed" : null;
            QueueOutcome? decided = await queue.GetOutcomeAsync(abort.Token).ConfigureAwait(false);
            if (_options.DeleteDst && _abortReason is null && taskFailure is null && decided is null && all.Failed == 0 && Volatile.Read(ref _failedTotal) == 0)
            {
                if (ExceedsMaxDelete(all.DeleteCandidates, all.DestinationKeys, out long allowed))
                {
                    _abortReason = $"refusing to delete {all.DeleteCandidates} destination key(s): more than --max-delete {_options.MaxDelete} ({allowed}); nothing was deleted";
                    _abortFailure = RunFailureKind.MaxDeleteExceeded;
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

            if (!_sourceDirectoryDeletes.IsEmpty && !_options.DryRun && _abortReason is null && taskFailure is null
                && queueFailed == 0 && Volatile.Read(ref _failedTotal) == 0)
            {
                await DeleteSourceDirectoriesAsync(abort.Token).ConfigureAwait(false);
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
        RunFailureKind? failure = reason is null ? null : _abortFailure ?? RunFailureKind.ObjectsFailed;

        // The first worker to get here records the run's outcome; the others report the recorded one.
        QueueOutcome outcome = await queue.SetOutcomeAsync(new QueueOutcome(reason is null, reason, failure), CancellationToken.None).ConfigureAwait(false);
        return new SyncResult(outcome.Succeeded ? SyncOutcome.Succeeded : SyncOutcome.Failed, final, outcome.Reason, _settings.Time.GetElapsedTime(started))
        {
            Failure = outcome.Failure,
            FailedTasks = _failedTasks.ToArray(),
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
            catch (Exception e) when (e is OperationCanceledException or LeaseLostException && hold.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _settings.OnError?.Invoke("the scan lease was lost; another worker continues the scan");
            }
            catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
            {
                string reason = $"listing the source failed: {e.Message}";
                _abortReason ??= reason;
                _failedTasks.Enqueue(new FailedTask(range, reason));
                _settings.OnError?.Invoke(reason);
                await queue.SetOutcomeAsync(new QueueOutcome(false, reason, RunFailureKind.ObjectsFailed), CancellationToken.None).ConfigureAwait(false);
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
}
