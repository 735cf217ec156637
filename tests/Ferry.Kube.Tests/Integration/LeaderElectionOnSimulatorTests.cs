using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.LeaderElection;
using Ferry.Kube.Tests.TestSupport;
using static Ferry.Kube.LeaderElection.LeaderElector;

namespace Ferry.Kube.Tests.Integration;

public sealed class LeaderElectionOnSimulatorTests
{
    private readonly FakeTimeProvider _time = new();

    private LeaderElector Candidate(IKubernetesClient client, string id, Action<string>? log = null) => new(client, new LeaderElectionOptions
    {
        LeaseNamespace = "default",
        LeaseName = "ferry-operator",
        Identity = id,
        TimeProvider = _time,
        OnStartedLeading = log is null ? null : ct => { log($"{id} started"); return Task.Delay(Timeout.Infinite, ct); },
        OnStoppedLeading = log is null ? null : () => log($"{id} stopped"),
    });

    [Fact]
    public async Task TwoCandidates_TakeoverAfterLeaseDuration_RecordOnServerIsCorrect()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var a = Candidate(cluster.Client, "a");
        var b = Candidate(cluster.Client, "b");

        Assert.Equal(Attempt.Held, await a.TryAcquireOrRenewAsync(default));
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(Attempt.Held, await a.TryAcquireOrRenewAsync(default));

        // b sees a's renewal now, so a's lease runs 15 s from this moment on b's clock.
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(Attempt.HeldByOther, await b.TryAcquireOrRenewAsync(default));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Attempt.Held, await b.TryAcquireOrRenewAsync(default));

        var lease = await cluster.Client.GetAsync(KubeResources.Leases, "default", "ferry-operator");
        Assert.Equal(("b", 15, 1), (lease.Spec!.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.LeaseTransitions));
        Assert.Equal(_time.GetUtcNow().UtcDateTime, lease.Spec.RenewTime);
        Assert.Equal(Attempt.HeldByOther, await a.TryAcquireOrRenewAsync(default));
    }

    [Fact]
    public async Task RunAsync_InjectedConflicts_NeverTwoLeadersAndHandoverOnRelease()
    {
        var options = new SimulatorOptions();
        options.Faults.ConflictRates["leases"] = 0.2;
        await using var cluster = await SimulatedCluster.StartAsync(options);
        var log = new List<string>();
        void Log(string s)
        {
            lock (log)
            {
                log.Add(s);
            }
        }

        var a = Candidate(cluster.Client, "a", Log);
        var b = Candidate(cluster.Client, "b", Log);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(stopA.Token);
        var runB = b.RunAsync(stopB.Token);

        var twoLeaders = false;
        for (var i = 0; i < 2000 && !(a.IsLeader || b.IsLeader); i++)
        {
            await StepAsync(2);
            twoLeaders |= a.IsLeader && b.IsLeader;
        }

        var (leader, follower, stopLeader, runLeader) = a.IsLeader ? (a, b, stopA, runA) : (b, a, stopB, runB);
        Assert.True(leader.IsLeader);
        for (var i = 0; i < 100; i++)
        {
            await StepAsync(2);
            twoLeaders |= a.IsLeader && b.IsLeader;
        }

        await stopLeader.CancelAsync();
        await runLeader.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 2000 && !follower.IsLeader; i++)
        {
            await StepAsync(1);
            twoLeaders |= a.IsLeader && b.IsLeader;
        }

        Assert.True(follower.IsLeader);
        Assert.False(twoLeaders);
        await (follower == a ? stopA : stopB).CancelAsync();
        await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(30));
        lock (log)
        {
            Assert.Equal(2, log.Count(l => l.EndsWith(" started", StringComparison.Ordinal)));
            Assert.Equal(2, log.Count(l => l.EndsWith(" stopped", StringComparison.Ordinal)));
        }
    }

    /// <summary>Moves the fake clock by 500 ms once every running elector is idle in its retry delay, so fake time never
    /// runs ahead of an elector still busy with a request (each idle elector holds exactly one fake timer).</summary>
    private async Task StepAsync(int runningElectors)
    {
        for (var i = 0; i < 500 && _time.PendingTimers < runningElectors; i++)
        {
            await Task.Delay(1);
        }

        _time.Advance(TimeSpan.FromMilliseconds(500));
        await Task.Delay(1);
    }
}
