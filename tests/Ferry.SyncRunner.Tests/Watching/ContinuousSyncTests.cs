using System.Net.Sockets;
using System.Threading.Channels;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;
using Ferry.SyncRunner.Watching;
using FakeClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary>The watch loop's timing on a fake clock: delay windows, batch size, rate-limited full syncs after lost
/// events, retries with back-off, periodic and polling full syncs, and stopping. The loop reports each time it goes
/// to sleep and until when (<see cref="ContinuousSync.Waiting"/>); the tests read those moments instead of sleeping.</summary>
public sealed class ContinuousSyncTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly FakeClock _time = new(T0);
    private readonly TempDirectory _src = new();
    private readonly TempDirectory _dst = new();
    private readonly Channel<DateTimeOffset?> _sleeps = Channel.CreateUnbounded<DateTimeOffset?>();
    private readonly Recorder _observer = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private FakeSource? _source;
    private ContinuousSync? _watch;
    private Task<WatchSummary>? _run;

    [Fact]
    public async Task Change_IsAppliedOnceTheDelayHasPassedSinceItWasSeen()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15) });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        Assert.Equal(["start"], _observer.FullSyncs.Select(f => f.Reason));

        _src.Write("a", "1");
        _source!.Emit("a");
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(14));
        _src.Write("b", "2");
        _source.Emit("b");
        Assert.Empty(_observer.Batches);
        Assert.False(File.Exists(_dst.Combine("a")));

        _time.Advance(TimeSpan.FromSeconds(1));
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        BatchReport batch = Assert.Single(_observer.Batches);
        Assert.Equal(2, batch.Keys);
        Assert.Equal(T0 + TimeSpan.FromSeconds(15), batch.Time);
        Assert.Equal("1", File.ReadAllText(_dst.Combine("a")));
        Assert.Equal("2", File.ReadAllText(_dst.Combine("b")));
    }

    [Fact]
    public async Task MaxBatchPendingKeys_AreAppliedAtOnceWithoutWaitingForTheDelay()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15), MaxBatch = 3 });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        foreach (string k in new[] { "a", "b" })
        {
            _src.Write(k, k);
            _source!.Emit(k);
        }

        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        _src.Write("c", "c");
        _source!.Emit("c");

        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        Assert.Equal(3, Assert.Single(_observer.Batches).Keys);
        Assert.Equal(T0, _observer.Batches[0].Time);
    }

    [Fact]
    public async Task Overflow_RestartsTheWatcherAndRunsExactlyOneFullSyncOncePerDelayWindow()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15) });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        _src.Write("lost-1", "x");
        _time.Advance(TimeSpan.FromSeconds(1));
        _source!.Fail(ChangeSourceProblemKind.Overflow);
        await UntilAsync(() => _observer.Problems.Count == 1);
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        _src.Write("lost-2", "y");
        _time.Advance(TimeSpan.FromSeconds(1));
        _source.Fail(ChangeSourceProblemKind.Overflow);
        await UntilAsync(() => _observer.Problems.Count == 2);
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        Assert.Single(_observer.FullSyncs);
        Assert.Equal(T0 + TimeSpan.FromSeconds(1), _watch!.State.OldestPendingChange);

        _time.Advance(TimeSpan.FromSeconds(13));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15) + TimeSpan.FromHours(1));
        Assert.Equal(["start", "overflow"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.Equal(T0 + TimeSpan.FromSeconds(15), _observer.FullSyncs[1].Started);
        Assert.Equal(2, _source.Restarts);
        Assert.Equal(2, _observer.Problems.Count(p => p.Contains("overflowed", StringComparison.Ordinal)));
        Assert.True(File.Exists(_dst.Combine("lost-1")) && File.Exists(_dst.Combine("lost-2")));
        Assert.Null(_watch.State.OldestPendingChange);
    }

    [Fact]
    public async Task MorePendingChangesThanMaxPending_AreDroppedForOneFullSync()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15), MaxBatch = 100, MaxPending = 5 });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        for (int i = 0; i < 20; i++)
        {
            _src.Write($"k{i}", "v");
            _source!.Emit($"k{i}");
        }

        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        Assert.Equal(0, _watch!.Pending.Count);
        _time.Advance(TimeSpan.FromSeconds(15));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15) + TimeSpan.FromHours(1));

        Assert.Equal(["start", "overflow"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.Empty(_observer.Batches);
        Assert.Equal(20, Directory.GetFiles(_dst.Path).Length);
        Assert.Single(_observer.Problems, p => p.Contains("more than 5 changes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailingKey_IsRetriedWithDoublingBackoffUntilItSucceeds()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15) });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(_src.Combine("bad")));
        _source!.Emit("bad");
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));

        _time.Advance(TimeSpan.FromSeconds(15));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(30));
        Assert.Equal(1, _watch!.State.FailingKeys);
        Assert.Equal(T0, _watch.State.OldestPendingChange);
        _time.Advance(TimeSpan.FromSeconds(15));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(60));
        _time.Advance(TimeSpan.FromSeconds(30));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(120));
        Assert.Equal(3, _observer.Batches.Count);
        Assert.Equal([0, 1, 1], _observer.Batches.Select(b => b.Retries));
        Assert.Equal(("bad", 3), _watch.Failures.List().Select(f => (f.Key, f.Attempts)).Single());

        socket.Dispose();
        File.Delete(_src.Combine("bad"));
        _src.Write("bad", "readable now");
        _time.Advance(TimeSpan.FromSeconds(60));
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        Assert.Equal("readable now", File.ReadAllText(_dst.Combine("bad")));
        Assert.Equal(0, _watch.State.FailingKeys);
        Assert.Null(_watch.State.OldestPendingChange);
    }

    [Fact]
    public async Task ChangeSeenDuringAFullSync_IsAppliedAfterIt_AndOneSeenBeforeIsCoveredByIt()
    {
        var gate = new TaskCompletionSource();
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15) }, gate: gate);
        await _observer.FullSyncStartedOnce.Task.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromSeconds(1));
        _src.Write("during", "d");
        _source!.Emit("during");
        gate.SetResult();
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(16));

        _time.Advance(TimeSpan.FromSeconds(15));
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        Assert.Equal(1, Assert.Single(_observer.Batches).Keys);
        Assert.True(File.Exists(_dst.Combine("during")));

        // Seen at 17 s; a full sync asked for meanwhile starts at 20 s and covers it: no batch for it.
        _time.Advance(TimeSpan.FromSeconds(1));
        _src.Write("before", "b");
        _source.Emit("before");
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(32));
        _time.Advance(TimeSpan.FromSeconds(3));
        _watch!.RequestFullSync("test");
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(20) + TimeSpan.FromHours(1));
        Assert.Equal(["start", "test"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.Single(_observer.Batches);
        Assert.True(File.Exists(_dst.Combine("before")));
    }

    [Fact]
    public async Task FullSyncInterval_RunsAFullSyncThatOftenFromTheLastStart()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15), FullSyncInterval = TimeSpan.FromMinutes(10) });
        await SleepUntilAsync(T0 + TimeSpan.FromMinutes(10));
        _src.Write("unseen", "changed while no event came");
        _time.Advance(TimeSpan.FromMinutes(10));
        await SleepUntilAsync(T0 + TimeSpan.FromMinutes(20));
        Assert.Equal(["start", "interval"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.True(File.Exists(_dst.Combine("unseen")));
    }

    [Fact]
    public async Task NoChangeSource_RepeatsTheFullSyncEveryWatchInterval()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15), WatchInterval = TimeSpan.FromMinutes(1) }, withSource: false);
        await SleepUntilAsync(T0 + TimeSpan.FromMinutes(1));
        _src.Write("polled", "p");
        _time.Advance(TimeSpan.FromMinutes(1));
        await SleepUntilAsync(T0 + TimeSpan.FromMinutes(2));
        Assert.Equal(["start", "interval"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.True(File.Exists(_dst.Combine("polled")));
    }

    [Fact]
    public async Task WatchLimit_IsReportedAndFullSyncsRepeatEveryWatchIntervalFromThen()
    {
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15), WatchInterval = TimeSpan.FromMinutes(1) });
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        _time.Advance(TimeSpan.FromSeconds(5));
        _source!.Fail(ChangeSourceProblemKind.WatchLimit);
        await UntilAsync(() => _observer.Problems.Count == 1);
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(10));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(75));
        Assert.Equal(["start", "watch-limit"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.Equal(0, _source.Restarts);
        Assert.Contains(_observer.Problems, p => p.Contains("max_user_watches", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailedFullSyncThatNamesNoKeys_IsAskedForAgainAfterAGrowingBackoff()
    {
        var failing = new FailingFullSyncs(2);
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(15) }, fullSyncs: failing);
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(15));
        Assert.Equal(T0, _watch!.State.OldestPendingChange);
        _time.Advance(TimeSpan.FromSeconds(15));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(45));
        _time.Advance(TimeSpan.FromSeconds(30));
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(45) + TimeSpan.FromHours(1));
        Assert.Equal(["start", "retry", "retry"], _observer.FullSyncs.Select(f => f.Reason));
        Assert.Equal([false, false, true], _observer.FullSyncs.Select(f => f.Result.Succeeded));
        Assert.Null(_watch.State.OldestPendingChange);
    }

    [Fact]
    public async Task Stop_DuringABatch_LetsItFinishAndReportsWhatWasNotApplied()
    {
        var target = new GatedTarget();
        Start(new WatchSettings { Delay = TimeSpan.FromSeconds(1) }, target: target);
        await SleepUntilAsync(T0 + TimeSpan.FromHours(1));
        _source!.Emit("first");
        await SleepUntilAsync(T0 + TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        await target.Entered.Task.WaitAsync(Wait);
        _source.Emit("later");
        await _stop.CancelAsync();
        target.Release.SetResult();

        WatchSummary summary = await _run!.WaitAsync(Wait);
        Assert.Equal(1, summary.Batches);
        Assert.Equal(1, target.Applied);
        Assert.Equal(1, summary.NotApplied);
        Assert.True(_source.Disposed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(Wait);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _src.Dispose();
        _dst.Dispose();
        _stop.Dispose();
        _abort.Dispose();
    }

    private void Start(WatchSettings settings, bool withSource = true, TaskCompletionSource? gate = null, IFullSyncRunner? fullSyncs = null, IWatchTarget? target = null)
    {
        settings = settings with { Time = _time };
        var pair = new SyncPair("dst", new FileStorage(_src.Path), new FileStorage(_dst.Path), new SyncOptions(),
            new SyncEngineSettings { Time = _time, MaxRetries = 1, RetryDelay = TimeSpan.Zero });
        IFullSyncRunner runner = fullSyncs ?? new LocalFullSyncs([pair]);
        if (gate is not null)
        {
            runner = new GatedFullSyncs(runner, gate);
        }

        _watch = new ContinuousSync(settings, withSource ? (change, problem) => _source = new FakeSource(change, problem) : null, [target ?? pair], runner, _observer)
        {
            Waiting = until => _sleeps.Writer.TryWrite(until),
        };
        _run = Task.Run(() => _watch.RunAsync(_stop.Token, _abort.Token));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Waits until the loop goes to sleep until <paramref name="until"/> (earlier sleeps, e.g. one per event that
    /// woke it, are skipped).</summary>
    private async Task SleepUntilAsync(DateTimeOffset? until)
    {
        var seen = new List<DateTimeOffset?>();
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (true)
            {
                DateTimeOffset? sleep = await _sleeps.Reader.ReadAsync(timeout.Token);
                seen.Add(sleep);
                if (sleep == until)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the loop never slept until {until:O}; it slept until: {string.Join(", ", seen.Select(s => s?.ToString("O") ?? "(no time)"))}; "
                + $"full syncs: {string.Join(", ", _observer.FullSyncs.Select(f => f.Reason))}, batches: {_observer.Batches.Count}, problems: {string.Join("; ", _observer.Problems)}");
        }
    }

    private sealed class FakeSource(Action<string, bool> change, Action<ChangeSourceProblem> problem) : IChangeSource
    {
        public int Restarts { get; private set; }

        public bool Disposed { get; private set; }

        public string Description => "fake";

        public void Emit(string path, bool deep = true) => change(path, deep);

        public void Fail(ChangeSourceProblemKind kind) => problem(new ChangeSourceProblem(kind, kind switch
        {
            ChangeSourceProblemKind.Overflow => "the kernel's event queue overflowed",
            ChangeSourceProblemKind.WatchLimit => "watch limit reached: raise fs.inotify.max_user_watches",
            _ => "error",
        }));

        public void Start()
        {
        }

        public void Restart() => Restarts++;

        public void Dispose() => Disposed = true;
    }

    private sealed class Recorder : IWatchObserver
    {
        private readonly object _lock = new();
        private readonly List<FullSyncReport> _fullSyncs = [];
        private readonly List<BatchReport> _batches = [];
        private readonly List<string> _problems = [];

        public TaskCompletionSource FullSyncStartedOnce { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<FullSyncReport> FullSyncs
        {
            get
            {
                lock (_lock)
                {
                    return [.. _fullSyncs];
                }
            }
        }

        public List<BatchReport> Batches
        {
            get
            {
                lock (_lock)
                {
                    return [.. _batches];
                }
            }
        }

        public List<string> Problems
        {
            get
            {
                lock (_lock)
                {
                    return [.. _problems];
                }
            }
        }

        public void FullSyncStarted(string reason) => FullSyncStartedOnce.TrySetResult();

        public void FullSyncFinished(FullSyncReport report)
        {
            lock (_lock)
            {
                _fullSyncs.Add(report);
            }
        }

        public void BatchApplied(BatchReport report)
        {
            lock (_lock)
            {
                _batches.Add(report);
            }
        }

        public void Problem(string message)
        {
            lock (_lock)
            {
                _problems.Add(message);
            }
        }
    }

    private sealed class GatedFullSyncs(IFullSyncRunner inner, TaskCompletionSource gate) : IFullSyncRunner
    {
        private int _runs;

        public async Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.RunAsync(reason, cancellationToken);
        }

        public Task<bool> IsBusyAsync(CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class FailingFullSyncs(int failures) : IFullSyncRunner
    {
        private int _runs;

        public Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken) =>
            Task.FromResult(++_runs <= failures
                ? new FullSyncResult(false, new SyncCounters(), new Dictionary<string, string>(), KeysKnown: false, "listing the source failed")
                : new FullSyncResult(true, new SyncCounters(), new Dictionary<string, string>(), KeysKnown: true, null));

        public Task<bool> IsBusyAsync(CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class GatedTarget : IWatchTarget
    {
        public string Name => "gated";

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Applied { get; private set; }

        public async Task<TargetResult> ApplyAsync(ChangeSelection selection, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            Applied++;
            return new TargetResult(Name, new SyncResult(SyncOutcome.Succeeded, new SyncCounters(), null, TimeSpan.Zero), new Dictionary<string, string>());
        }
    }
}
