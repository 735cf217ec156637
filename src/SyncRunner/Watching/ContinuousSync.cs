using System.Collections.Concurrent;
using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// A watch: a full sync first, then batches of the changes a source reports, applied to every destination; full syncs
/// again after lost events (at most one per <see cref="WatchSettings.Delay"/>) and every
/// <see cref="WatchSettings.FullSyncInterval"/>. Shared by <c>ferry sync --watch</c>, <c>ferry run -f</c> on a
/// continuous mirror and the mirror's watcher pod.
/// </summary>
/// <remarks>
/// <para>lsyncd's model (gather for <c>delay</c> or up to <c>maxDelays</c> events, then one rsync of the changed paths),
/// with what it lacks: the source is watched <em>before</em> the first full sync, so nothing that changes during it is
/// lost; a lost event is never silent (an overflow restarts the watcher and a full sync follows); a key that fails is
/// retried with back-off on later batches (<see cref="FailedKeys"/>) instead of being dropped.</para>
/// <para>A batch is due when its oldest change is <see cref="WatchSettings.Delay"/> old, when
/// <see cref="WatchSettings.MaxBatch"/> changes are pending, or when a failing key's retry is due. A change seen before
/// a successful full sync started is covered by it and dropped. Without a change source (S3, SFTP) the watch repeats a
/// full sync every <see cref="WatchSettings.WatchInterval"/>; so it does once a directory could not be watched.</para>
/// <para>Stopping (<c>stop</c>) ends the watch between steps: the source is no longer read, a batch in flight
/// finishes, a full sync in flight is cancelled (its copies are atomic: nothing half-written stays). <c>abort</c>
/// cancels a batch too.</para>
/// </remarks>
internal sealed class ContinuousSync
{
    private readonly WatchSettings _settings;
    private readonly Func<Action<string, bool>, Action<ChangeSourceProblem>, IChangeSource>? _sourceFactory;
    private readonly IReadOnlyList<IWatchTarget> _targets;
    private readonly IFullSyncRunner _fullSyncs;
    private readonly IWatchObserver _observer;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<ChangeSourceProblem> _problems = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly object _lock = new();
    private readonly SyncCounters _totals = new();
    private IChangeSource? _source;
    private DateTimeOffset? _requested;
    private string _requestReason = "start";
    private DateTimeOffset? _eventsLostAt;
    private DateTimeOffset? _failingOldest;
    private DateTimeOffset? _lastFullSync;
    private DateTimeOffset? _nextFullSyncAllowed;
    private int _failedFullSyncs;
    private volatile bool _degraded;
    private int _overflowsSeen;
    private volatile WatchState _state = new(0, 0, null, null, null, null, false);
    private int _fullSyncCount;
    private int _batchCount;
    private long _keysApplied;

    /// <summary>Creates the watch.</summary>
    /// <param name="settings">Delays, batch size, intervals, clock.</param>
    /// <param name="sourceFactory">Creates the change source from the change and problem callbacks; <see langword="null"/>
    /// for a source without events.</param>
    /// <param name="targets">The destinations batches are applied to.</param>
    /// <param name="fullSyncs">Runs the full syncs.</param>
    /// <param name="observer">Receives what happens.</param>
    public ContinuousSync(WatchSettings settings, Func<Action<string, bool>, Action<ChangeSourceProblem>, IChangeSource>? sourceFactory,
        IReadOnlyList<IWatchTarget> targets, IFullSyncRunner fullSyncs, IWatchObserver observer)
    {
        _settings = settings;
        _sourceFactory = sourceFactory;
        _targets = targets;
        _fullSyncs = fullSyncs;
        _observer = observer;
        _time = settings.Time;
        Pending = new PendingChanges(settings.MaxPending) { Changed = Wake };
        Failures = new FailedKeys(settings.RetryDelay, settings.MaxRetryDelay);
    }

    /// <summary>The changes gathered and not applied yet.</summary>
    public PendingChanges Pending { get; }

    /// <summary>Called each time the loop goes to sleep, with the moment it will wake by itself (<see langword="null"/>:
    /// only a change or a stop wakes it); tests wait for it instead of sleeping.</summary>
    public Action<DateTimeOffset?>? Waiting { get; init; }

    /// <summary>The failing keys (read only from the watch loop, or after it ended).</summary>
    public FailedKeys Failures { get; }

    /// <summary>The state now, from any thread.</summary>
    public WatchState State
    {
        get
        {
            WatchState state = _state;
            lock (_lock)
            {
                return state with { Pending = Pending.Count, OldestPendingChange = Min(Min(Pending.Oldest, _failingOldest), _eventsLostAt) };
            }
        }
    }

    /// <summary>The engine counters of every batch and full sync so far, from any thread.</summary>
    /// <returns>A copy.</returns>
    public SyncCounters Totals()
    {
        lock (_lock)
        {
            return _totals.Clone();
        }
    }

    /// <summary>Asks for a full sync (from any thread); it runs once the rate limit allows.</summary>
    /// <param name="reason">Why.</param>
    public void RequestFullSync(string reason)
    {
        Request(reason);
        Wake();
    }

    /// <summary>Watches until <paramref name="stop"/>.</summary>
    /// <param name="stop">Ends the watch gracefully (see the remarks of the class).</param>
    /// <param name="abort">Ends it at once, cancelling a batch in flight.</param>
    /// <returns>The totals.</returns>
    /// <exception cref="IOException">The source cannot be watched.</exception>
    public async Task<WatchSummary> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        long started = _time.GetTimestamp();
        using var fullSyncCancel = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
        using CancellationTokenRegistration wakeOnStop = stop.Register(Wake);
        _source = _sourceFactory?.Invoke(OnChange, OnProblem);
        _source?.Start();
        Request("start");
        try
        {
            while (!stop.IsCancellationRequested)
            {
                HandleProblems();
                DateTimeOffset now = _time.GetUtcNow();
                if (FullSyncDue(now) is { } reason)
                {
                    if (!await RunFullSyncAsync(reason, fullSyncCancel.Token).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                if (BatchDue(now))
                {
                    if (await _fullSyncs.IsBusyAsync(abort).ConfigureAwait(false))
                    {
                        await WaitAsync(now + (_settings.BusyPollInterval < _settings.Delay ? _settings.BusyPollInterval : _settings.Delay), stop).ConfigureAwait(false);
                        continue;
                    }

                    await RunBatchAsync(abort).ConfigureAwait(false);
                    continue;
                }

                await WaitAsync(NextWake(now), stop, report: true).ConfigureAwait(false);
            }
        }
        finally
        {
            _source?.Dispose();
            _source = null;
        }

        return new WatchSummary(_fullSyncCount, _batchCount, _keysApplied, Totals(), [.. Failures.List()], Pending.Count, _time.GetElapsedTime(started));
    }

    /// <summary>Asks for a full sync from the loop itself (no wake-up needed).</summary>
    private void Request(string reason)
    {
        lock (_lock)
        {
            _requested = _time.GetUtcNow();
            _requestReason = reason;
        }
    }

    private void OnChange(string path, bool deep) => Pending.Add(path, deep, _time.GetUtcNow(), _settings.MaxBatch);

    private void OnProblem(ChangeSourceProblem problem)
    {
        if (problem.Kind == ChangeSourceProblemKind.WatchLimit)
        {
            _degraded = true;
            _problems.Enqueue(problem with { Message = $"{problem.Message}; a full sync follows, and one every {Format(_settings.WatchInterval)} from now on" });
            Wake();
            return;
        }

        // Events stopped (an overflow closes the inotify instance) or may have been lost: drop what is pending, since
        // the full sync that follows covers it, and watch again at once, off the watcher's own thread.
        Pending.Overflow();
        _ = Task.Run(() =>
        {
            string follows = "the watcher was restarted and a full sync follows";
            try
            {
                _source?.Restart();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                _degraded = true;
                follows = $"the watcher could not be restarted ({e.Message}): full syncs every {Format(_settings.WatchInterval)} from now on";
            }

            _problems.Enqueue(problem with { Message = $"{problem.Message}; {follows}" });
            Wake();
        });
    }

    private void LostEvents()
    {
        lock (_lock)
        {
            _eventsLostAt ??= _time.GetUtcNow();
        }

        Publish(fullSyncRunning: false);
    }

    private void HandleProblems()
    {
        int overflows = Pending.Overflows;
        if (overflows != _overflowsSeen)
        {
            // More changes than MaxPending: they were dropped, a full sync replaces them.
            _overflowsSeen = overflows;
            LostEvents();
            _observer.Problem($"more than {Pending.MaxPending} changes were pending: they were dropped, a full sync follows");
            Request("overflow");
        }

        while (_problems.TryDequeue(out ChangeSourceProblem? problem))
        {
            LostEvents();
            _observer.Problem(problem.Message);
            Request(problem.Kind switch
            {
                ChangeSourceProblemKind.Overflow => "overflow",
                ChangeSourceProblemKind.WatchLimit => "watch-limit",
                _ => "error",
            });
        }
    }

    /// <summary>Why a full sync is due now, or <see langword="null"/>.</summary>
    private string? FullSyncDue(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_requested is not null && (_nextFullSyncAllowed is not { } allowed || now >= allowed))
            {
                return _requestReason;
            }
        }

        if (_lastFullSync is not { } last)
        {
            return null;
        }

        if (_settings.FullSyncInterval > TimeSpan.Zero && now >= last + _settings.FullSyncInterval)
        {
            return "interval";
        }

        return (_source is null || _degraded) && now >= last + _settings.WatchInterval ? "interval" : null;
    }

    private bool BatchDue(DateTimeOffset now) =>
        Pending.Count >= _settings.MaxBatch
        || (Pending.Oldest is { } oldest && now - oldest >= _settings.Delay)
        || (Failures.NextDue is { } retry && retry <= now);

    private DateTimeOffset? NextWake(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        if (Pending.Oldest is { } oldest)
        {
            next = Min(next, oldest + _settings.Delay);
        }

        next = Min(next, Failures.NextDue);
        lock (_lock)
        {
            if (_requested is not null && _nextFullSyncAllowed is { } allowed)
            {
                next = Min(next, allowed);
            }
        }

        if (_lastFullSync is { } last)
        {
            if (_settings.FullSyncInterval > TimeSpan.Zero)
            {
                next = Min(next, last + _settings.FullSyncInterval);
            }

            if (_source is null || _degraded)
            {
                next = Min(next, last + _settings.WatchInterval);
            }
        }

        return next is { } n && n < now ? now : next;
    }

    /// <summary>Runs one full sync; <see langword="false"/> when the watch was stopped during it.</summary>
    private async Task<bool> RunFullSyncAsync(string reason, CancellationToken cancellationToken)
    {
        DateTimeOffset start = _time.GetUtcNow();
        lock (_lock)
        {
            if (_requested is { } requested && requested <= start)
            {
                _requested = null;
            }
        }

        Pending.FullSyncStarted(start);
        Publish(fullSyncRunning: true);
        _observer.FullSyncStarted(reason);
        long began = _time.GetTimestamp();
        FullSyncResult result;
        try
        {
            result = await _fullSyncs.RunAsync(reason, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        _fullSyncCount++;
        _lastFullSync = start;
        lock (_lock)
        {
            _totals.Add(result.Counters);
        }

        if (result.Succeeded || result.KeysKnown)
        {
            _failedFullSyncs = 0;
            _nextFullSyncAllowed = start + _settings.Delay;
            Pending.DropSeenBefore(start);
            var failing = result.FailedKeys.Keys.Select(k => k.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
            Failures.CoveredBy(start, failing);
            DateTimeOffset now = _time.GetUtcNow();
            foreach ((string key, string error) in result.FailedKeys)
            {
                Failures.Fail(new PendingChange(key.TrimEnd('/'), Deep: false, start, start), error, now);
            }

            lock (_lock)
            {
                if (_eventsLostAt is { } lost && lost < start)
                {
                    _eventsLostAt = null;
                }
            }
        }
        else
        {
            // Nothing is known to be covered: ask again, after a growing back-off.
            _failedFullSyncs++;
            TimeSpan backoff = Failures.Backoff(_failedFullSyncs);
            _nextFullSyncAllowed = start + (backoff > _settings.Delay ? backoff : _settings.Delay);
            lock (_lock)
            {
                _requested ??= start;
                _requestReason = "retry";
                _eventsLostAt ??= start;
            }
        }

        WatchState state = Publish(fullSyncRunning: false);
        _observer.FullSyncFinished(new FullSyncReport(reason, start, _time.GetElapsedTime(began), result, state));
        return true;
    }

    private async Task RunBatchAsync(CancellationToken abort)
    {
        DateTimeOffset now = _time.GetUtcNow();
        List<PendingChange> changes = Pending.Take(_settings.MaxBatch);
        var paths = changes.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
        List<PendingChange> retries = [.. Failures.Due(now, _settings.MaxBatch - changes.Count).Where(r => !paths.Contains(r.Path))];
        changes.AddRange(retries);
        if (changes.Count == 0)
        {
            return;
        }

        long began = _time.GetTimestamp();
        var selection = ChangeSelection.From(changes);
        TargetResult[] results;
        try
        {
            results = await Task.WhenAll(_targets.Select(t => t.ApplyAsync(selection, abort))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            Pending.Restore(changes);
            throw;
        }

        DateTimeOffset done = _time.GetUtcNow();
        var counters = new SyncCounters();
        foreach (TargetResult r in results)
        {
            counters.Add(r.Result.Counters);
        }

        lock (_lock)
        {
            _totals.Add(counters);
        }

        RecordOutcome(changes, results, done);
        _batchCount++;
        _keysApplied += changes.Count;
        TimeSpan elapsed = _time.GetElapsedTime(began);
        WatchState state = Publish(fullSyncRunning: false, new LastBatch(done, changes.Count, counters.CopiedBytes, elapsed));
        _observer.BatchApplied(new BatchReport(done, changes.Count, retries.Count, counters, elapsed, results, state));
    }

    /// <summary>Moves failed keys into <see cref="Failures"/> and clears the ones that succeeded.</summary>
    private void RecordOutcome(List<PendingChange> changes, TargetResult[] results, DateTimeOffset now)
    {
        if (results.FirstOrDefault(r => !r.KeysKnown) is { } whole)
        {
            // The batch failed without naming keys (a listing failed, maxDelete): every key is retried.
            string reason = $"{whole.Target}: {whole.Result.Reason ?? "the batch failed"}";
            foreach (PendingChange change in changes)
            {
                Failures.Fail(change, reason, now);
            }

            return;
        }

        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TargetResult r in results)
        {
            foreach ((string key, string error) in r.FailedKeys)
            {
                failed.TryAdd(key.TrimEnd('/'), results.Length > 1 ? $"{r.Target}: {error}" : error);
            }
        }

        var byPath = changes.ToDictionary(c => c.Path, StringComparer.Ordinal);
        foreach (PendingChange change in changes)
        {
            if (!failed.ContainsKey(change.Path))
            {
                Failures.Succeeded(change.Path);
            }
        }

        foreach ((string path, string error) in failed)
        {
            PendingChange change = byPath.TryGetValue(path, out PendingChange own) ? own : new PendingChange(path, false, Covering(changes, path) ?? now, now);
            Failures.Fail(change, error, now);
        }
    }

    /// <summary>When the deep change that covers <paramref name="path"/> was first seen.</summary>
    private static DateTimeOffset? Covering(List<PendingChange> changes, string path) =>
        changes.Where(c => c.Deep && path.StartsWith(c.Path + "/", StringComparison.Ordinal)).Select(c => (DateTimeOffset?)c.FirstSeen).Min();

    private WatchState Publish(bool fullSyncRunning, LastBatch? batch = null)
    {
        DateTimeOffset? requested;
        lock (_lock)
        {
            requested = _requested;
        }

        DateTimeOffset? lost;
        lock (_lock)
        {
            _failingOldest = Failures.Oldest;
            lost = _eventsLostAt;
        }

        WatchState state = new(Pending.Count, Failures.Count, Min(Min(Pending.Oldest, Failures.Oldest), lost), requested, batch ?? _state.LastBatch, _lastFullSync, fullSyncRunning);
        _state = state;
        return state;
    }

    /// <summary>Sleeps until <paramref name="wakeAt"/> (<see langword="null"/>: no time), a wake-up or the stop.</summary>
    private async Task WaitAsync(DateTimeOffset? wakeAt, CancellationToken stop, bool report = false)
    {
        if (stop.IsCancellationRequested)
        {
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task woken = _wake.WaitAsync(cancel.Token);

        // The timeout is measured from the clock as it is now, not as it was when the wake time was computed.
        Task delay = wakeAt is { } at ? Task.Delay(Max(TimeSpan.Zero, at - _time.GetUtcNow()), _time, cancel.Token) : Task.Delay(Timeout.Infinite, cancel.Token);
        if (report)
        {
            // After the timer exists: a test that moves its clock now wakes the loop.
            Waiting?.Invoke(wakeAt);
        }

        await Task.WhenAny(woken, delay).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await woken.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await delay.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Format(TimeSpan t) => Ferry.Api.Common.GoDuration.Format(t);
}
