using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.LeaderElection;
using Ferry.Kube.Tests.TestSupport;
using k8s;
using k8s.Models;
using static Ferry.Kube.LeaderElection.LeaderElector;

namespace Ferry.Kube.Tests.LeaderElection;

public sealed class LeaderElectorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryKubernetesClient _client = new();

    private LeaderElector Candidate(string identity, Action<string>? started = null, Action<string>? stopped = null, IKubernetesClient? client = null) =>
        new(client ?? _client, new LeaderElectionOptions
        {
            LeaseNamespace = "ferry-system",
            LeaseName = "ferry-operator",
            Identity = identity,
            TimeProvider = _time,
            OnStartedLeading = started is null ? null : ct => { started(identity); return Task.Delay(Timeout.Infinite, ct); },
            OnStoppedLeading = stopped is null ? null : () => stopped(identity),
        });

    private V1Lease CurrentLease() => _client.Lease("ferry-system", "ferry-operator")!;

    [Fact]
    public async Task TwoCandidates_SecondTakesOverOnlyAfterLeaseDurationWithoutChange()
    {
        var a = Candidate("a");
        var b = Candidate("b");

        Assert.Equal(Attempt.Held, await a.TryAcquireOrRenewAsync(default));
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        Assert.Equal("a", b.ObservedLeader);
        var first = CurrentLease().Spec!;
        Assert.Equal(("a", 15, 0), (first.HolderIdentity, first.LeaseDurationSeconds, first.LeaseTransitions));

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Attempt.Held, await b.TryAcquireOrRenewAsync(default));

        var taken = CurrentLease().Spec!;
        Assert.Equal(("b", 1), (taken.HolderIdentity, taken.LeaseTransitions));
        Assert.Equal(_time.GetUtcNow().UtcDateTime, taken.AcquireTime);
        Assert.True(b.IsLeader);
        Assert.Equal(Attempt.HeldByOther, await a.TryAcquireOrRenewAsync(default));
        Assert.False(a.IsLeader);
    }

    [Fact]
    public async Task Leader_RenewingEveryRetryPeriod_KeepsTheLeaseIndefinitely()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        await a.TryAcquireOrRenewAsync(default);
        var acquired = CurrentLease().Spec!.AcquireTime;

        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(Attempt.Held, await a.TryAcquireOrRenewAsync(default));
            Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        }

        var spec = CurrentLease().Spec!;
        Assert.Equal(("a", 0, acquired), (spec.HolderIdentity, spec.LeaseTransitions, spec.AcquireTime));
        Assert.Equal(_time.GetUtcNow().UtcDateTime, spec.RenewTime);
    }

    [Theory]
    [InlineData(-3600)]
    [InlineData(3600)]
    public async Task Expiry_JudgedByLocalObservationTime_NotByHolderTimestamps(int renewOffsetSeconds)
    {
        var skewed = _time.GetUtcNow().AddSeconds(renewOffsetSeconds).UtcDateTime;
        await _client.CreateAsync(KubeResources.Leases, "ferry-system", new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "ferry-operator" },
            Spec = new V1LeaseSpec { HolderIdentity = "ghost", LeaseDurationSeconds = 15, AcquireTime = skewed, RenewTime = skewed, LeaseTransitions = 3 },
        });
        var b = Candidate("b");

        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Attempt.Held, await b.TryAcquireOrRenewAsync(default));
        Assert.Equal(4, CurrentLease().Spec!.LeaseTransitions);
    }

    [Fact]
    public async Task ConcurrentTakeover_LoserGetsConflictAndDoesNotLead()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        var c = Candidate("c");
        await a.TryAcquireOrRenewAsync(default);
        await b.TryAcquireOrRenewAsync(default);
        await c.TryAcquireOrRenewAsync(default);
        _time.Advance(TimeSpan.FromSeconds(16));

        _client.BeforeNextReplace = async () => Assert.Equal(Attempt.Held, await c.TryAcquireOrRenewAsync(default));
        Assert.Equal(Attempt.Failed, await b.TryAcquireOrRenewAsync(default));

        Assert.False(b.IsLeader);
        Assert.True(c.IsLeader);
        Assert.Equal("c", CurrentLease().Spec!.HolderIdentity);
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
    }

    [Fact]
    public async Task RunAsync_LeaderCancelled_ReleasesLeaseAndOtherCandidateLeadsWithoutWaitingForExpiry()
    {
        var events = new List<string>();
        var gate = new Lock();
        void Log(string e)
        {
            lock (gate)
            {
                events.Add(e);
            }
        }

        bool Has(string e)
        {
            lock (gate)
            {
                return events.Contains(e);
            }
        }

        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var a = Candidate("a", id => Log($"{id} started"), id => Log($"{id} stopped"));
        var runA = a.RunAsync(stopA.Token);
        await Until(() => Has("a started"));

        var b = Candidate("b", id => Log($"{id} started"), id => Log($"{id} stopped"));
        var runB = b.RunAsync(stopB.Token);
        await Until(() => b.ObservedLeader == "a");
        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(Has("a stopped"));
        Assert.Null(CurrentLease().Spec!.HolderIdentity);
        var released = _time.GetUtcNow();
        await Until(() => Has("b started"), advance: true);
        Assert.True(_time.GetUtcNow() - released < TimeSpan.FromSeconds(15), "b should not wait for the lease to expire");
        Assert.Equal("b", CurrentLease().Spec!.HolderIdentity);

        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task RunAsync_CannotRenewForRenewDeadline_StopsLeading()
    {
        var stopped = new TaskCompletionSource();
        var a = Candidate("a", _ => { }, _ => stopped.TrySetResult());
        var run = a.RunAsync(CancellationToken.None);
        await Until(() => a.IsLeader);

        _client.FailWith = new KubernetesTransportException("connection refused");
        var lostAt = _time.GetUtcNow();
        await Until(() => stopped.Task.IsCompleted, advance: true);
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(a.IsLeader);
        var after = _time.GetUtcNow() - lostAt;
        Assert.InRange(after, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task RunAsync_CancelledWhileARenewIsInFlight_ReturnsAndStopsLeading()
    {
        var stopped = new TaskCompletionSource();
        var a = Candidate("a", _ => { }, _ => stopped.TrySetResult());
        using var stop = new CancellationTokenSource();
        var run = a.RunAsync(stop.Token);
        await Until(() => a.IsLeader);

        // The next renew is cut short the way an HTTP request is when its token is cancelled mid-flight.
        _client.BeforeNextReplace = async () =>
        {
            await stop.CancelAsync();
            throw new TaskCanceledException("The operation was canceled.", null, stop.Token);
        };
        await Until(() => run.IsCompleted, advance: true);

        await run; // completes, as documented for a cancellation, instead of throwing it
        Assert.True(stopped.Task.IsCompleted);
        Assert.False(a.IsLeader);
    }

    [Fact]
    public async Task OnNewLeader_CalledOncePerHolderChange()
    {
        var seen = new List<string>();
        var b = new LeaderElector(_client, new LeaderElectionOptions
        {
            LeaseNamespace = "ferry-system",
            LeaseName = "ferry-operator",
            Identity = "b",
            TimeProvider = _time,
            OnNewLeader = seen.Add,
        });
        var a = Candidate("a");
        await a.TryAcquireOrRenewAsync(default);

        await b.TryAcquireOrRenewAsync(default);
        _time.Advance(TimeSpan.FromSeconds(2));
        await a.TryAcquireOrRenewAsync(default);
        await b.TryAcquireOrRenewAsync(default);
        _time.Advance(TimeSpan.FromSeconds(16));
        await b.TryAcquireOrRenewAsync(default);

        Assert.Equal(["a"], seen);
        Assert.Equal("b", b.ObservedLeader);
    }

    [Theory]
    [InlineData(10, 10, 2)]
    [InlineData(15, 2, 2)]
    [InlineData(15, 10, 0)]
    public void Constructor_DurationsNotOrdered_Throws(int lease, int renew, int retry) =>
        Assert.Throws<ArgumentException>(() => new LeaderElector(_client, new LeaderElectionOptions
        {
            LeaseNamespace = "n",
            LeaseName = "l",
            Identity = "i",
            LeaseDuration = TimeSpan.FromSeconds(lease),
            RenewDeadline = TimeSpan.FromSeconds(renew),
            RetryPeriod = TimeSpan.FromSeconds(retry),
        }));

    /// <summary>Lets the elector's loop run, moving the fake clock in small steps when asked (no real-time assertions).</summary>
    private async Task Until(Func<bool> condition, bool advance = false)
    {
        for (var i = 0; i < 2000 && !condition(); i++)
        {
            if (advance && _time.PendingTimers > 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
            }

            await Task.Delay(2);
        }

        Assert.True(condition(), "condition not reached");
    }
}
