using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using k8s.Models;
using Ferry.Operator.ReplicaMirrors;

namespace Ferry.Operator.Tests.ReplicaMirrors;

/// <summary>A continuous ReplicaMirror's decisions on a fake clock: its watcher pod (created, replaced with back-off when
/// it ends, replaced when the spec changes), full syncs when the watcher asks and every fullSyncInterval, the
/// <c>status.continuous</c> fields and <c>InSync</c> by the age of the oldest pending change.</summary>
public sealed class ContinuousPlannerTests
{
    private static readonly DateTimeOffset T0 = MirrorWorld.Created;

    private static MirrorWorld Continuous(Action<ContinuousSpec>? configure = null, params string[] destinations)
    {
        var continuous = new ContinuousSpec { Delay = "15s", FullSyncInterval = "1h" };
        configure?.Invoke(continuous);
        return new MirrorWorld(s =>
        {
            s.Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "inbox" } };
            s.Continuous = continuous;
        }, destinations);
    }

    /// <summary>Plays the watcher: writes its Lease as <c>ferry watch-mirror</c> does.</summary>
    private static void Report(MirrorWorld world, Action<WatcherState> state)
    {
        var current = WatcherState.Parse(world.WatcherLease?.Metadata.Annotations?.AsReadOnly());
        state(current);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        current.WriteTo(annotations);
        world.WatcherLease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = WatcherContract.LeaseName("m"), NamespaceProperty = "ns", Labels = WatcherContract.Labels(world.Mirror), Annotations = annotations },
            Spec = new V1LeaseSpec { HolderIdentity = world.WatcherPods.LastOrDefault()?.Metadata.Name, RenewTime = world.Time.GetUtcNow().UtcDateTime, LeaseDurationSeconds = WatcherContract.LeaseDurationSeconds },
        };
    }

    [Fact]
    public void NewMirror_StartsOneWatcherPodAndNoFullSyncUntilTheWatcherAsks()
    {
        MirrorWorld world = Continuous();

        MirrorPlan plan = world.At(TimeSpan.Zero);

        Assert.Empty(plan.Starts);
        Assert.Equal((0L, 0L), plan.Watcher!.Create);
        V1Pod pod = Assert.Single(world.WatcherPods);
        Assert.Equal("m-watcher-0", pod.Metadata.Name);
        Assert.Equal(["watch-mirror", "--namespace", "ns", "--mirror", "m"], pod.Spec!.Containers[0].Args);
        Assert.True(pod.Spec.Volumes!.Single(v => v.Name == "source").PersistentVolumeClaim!.ReadOnlyProperty);
        Assert.Equal("eu", pod.Spec.Containers[0].Env!.Single(e => e.Name == "FERRY_DESTINATION_0_NAME").Value);
        Assert.Equal("/data/destinations/1", pod.Spec.Containers[0].Env!.Single(e => e.Name == "FERRY_DESTINATION_1_ROOT").Value);
        Assert.Equal("mirror-uid", Assert.Single(pod.Metadata.OwnerReferences!).Uid);
        Assert.Equal("m-watcher-0", world.Status.Continuous!.WatcherPod);
        Assert.Equal(ReplicaMirrorConditionReasons.FirstSyncPending, world.Condition(ReplicaMirrorConditionTypes.InSync)!.Reason);

        Assert.Empty(world.At(TimeSpan.FromMinutes(5)).Starts);
        Assert.Single(world.WatcherPods);
    }

    [Fact]
    public void WatcherRequest_StartsAFullSyncOfEveryDestinationForThatSlot_OnceOnly()
    {
        MirrorWorld world = Continuous();
        world.At(TimeSpan.Zero);
        world.Time.Advance(TimeSpan.FromSeconds(3));
        Report(world, s => { s.Started = world.Time.GetUtcNow(); s.FullSyncRequested = world.Time.GetUtcNow(); s.FullSyncReason = "start"; });

        MirrorPlan plan = world.Step();

        Assert.Equal(["m-eu-1796724003", "m-ap-1796724003"], plan.Starts.Select(c => c.Metadata.Name));
        Assert.All(plan.Starts, c => Assert.Equal("full-sync", c.Metadata.Annotations![MirrorLabels.Trigger]));
        world.Time.Advance(TimeSpan.FromSeconds(20));
        world.Finish("eu");
        world.Finish("ap");
        Assert.Empty(world.Step().Starts);
        Assert.Equal(T0.AddSeconds(3), world.Status.Continuous!.LastFullSyncTime);
        Assert.Equal(T0.AddSeconds(3).AddHours(1), world.Destination("eu").NextSyncTime);
        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.InSync)!.Status);
    }

    [Fact]
    public void RequestAfterLostEvents_WhileAFullSyncRuns_StartsTheNextOneAfterIt()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        world.Time.Advance(TimeSpan.FromSeconds(10));
        Report(world, s => { s.FullSyncRequested = T0.AddSeconds(10); s.FullSyncReason = "overflow"; });

        Assert.Empty(world.Step().Starts);
        world.Time.Advance(TimeSpan.FromSeconds(5));
        world.Finish("eu");

        Assert.Equal("m-eu-1796724010", Assert.Single(world.Step().Starts).Metadata.Name);
        Assert.Equal(0, world.Status.MissedIntervals);
    }

    [Fact]
    public void FullSyncInterval_StartsAFullSyncThatLongAfterTheLastStarted()
    {
        MirrorWorld world = Continuous(c => c.FullSyncInterval = "30m", "eu");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        world.Time.Advance(TimeSpan.FromMinutes(2));
        world.Finish("eu");
        world.Step();
        Assert.Equal(T0.AddMinutes(30), world.Destination("eu").NextSyncTime);

        Assert.Empty(world.At(TimeSpan.FromMinutes(29)).Starts);
        Assert.Equal("m-eu-1796725800", Assert.Single(world.At(TimeSpan.FromMinutes(30)).Starts).Metadata.Name);
    }

    [Fact]
    public void PendingChangeOlderThanRpo_TurnsInSyncFalse_AndBackWhenApplied()
    {
        MirrorWorld world = Continuous(c => c.Delay = "15s", "eu");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        world.Finish("eu");
        world.Step();
        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.InSync)!.Status);

        // rpo is 4 x delay = 1m: a change seen at 10s is late from 70s.
        world.Time.SetUtcNow(T0.AddSeconds(10));
        Report(world, s => { s.PendingChanges = 3; s.OldestPendingChange = T0.AddSeconds(10); });
        MirrorPlan plan = world.Step();
        Assert.Equal(3, world.Status.Continuous!.PendingChanges);
        Assert.Equal("0s", world.Status.DataAge);
        Assert.Equal(T0.AddSeconds(70), plan.WakeAt);
        world.Time.SetUtcNow(T0.AddSeconds(69));
        Report(world, _ => { });
        world.Step();
        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.InSync)!.Status);

        world.Time.SetUtcNow(T0.AddSeconds(71));
        Report(world, _ => { });
        world.Step();
        V1Condition late = world.Condition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.RpoExceeded), (late.Status, late.Reason));
        Assert.Contains("3 change(s) pending, the oldest seen 1m1s ago", late.Message, StringComparison.Ordinal);
        Assert.Equal("1m1s", world.Status.DataAge);

        world.Time.Advance(TimeSpan.FromSeconds(1));
        Report(world, s => { s.PendingChanges = 0; s.OldestPendingChange = null; s.LastBatchTime = world.Time.GetUtcNow(); s.LastBatchKeys = 3; });
        world.Step();
        V1Condition back = world.Condition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal(ConditionStatus.True, back.Status);
        Assert.Equal(T0.AddSeconds(72), back.LastTransitionTime);
        Assert.Equal(3, world.Status.Continuous!.LastBatchKeys);
    }

    [Fact]
    public void InSyncAndDegraded_KeepTheirTransitionTimes_LongAfterTheLastFullSync()
    {
        // rpo 1m and no periodic full sync: the scheduled rule alone would call the data an hour old.
        MirrorWorld world = Continuous(c => { c.Delay = "15s"; c.FullSyncInterval = "0s"; }, "eu");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        world.Finish("eu");
        world.Step();
        DateTimeOffset inSyncSince = world.Condition(ReplicaMirrorConditionTypes.InSync)!.LastTransitionTime;

        world.Time.SetUtcNow(T0.AddMinutes(30));
        Report(world, s => s.FailingKeys = 1);
        world.Step();
        DateTimeOffset degradedSince = world.Condition(ReplicaMirrorConditionTypes.Degraded)!.LastTransitionTime;
        Assert.Equal(T0.AddMinutes(30), degradedSince);
        for (int minutes = 31; minutes <= 60; minutes += 10)
        {
            world.Time.SetUtcNow(T0.AddMinutes(minutes));
            Report(world, _ => { });
            world.Step();
            V1Condition inSync = world.Condition(ReplicaMirrorConditionTypes.InSync)!;
            V1Condition degraded = world.Condition(ReplicaMirrorConditionTypes.Degraded)!;
            Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.WithinRpo, inSyncSince), (inSync.Status, inSync.Reason, inSync.LastTransitionTime));
            Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.KeysFailing, degradedSince), (degraded.Status, degraded.Reason, degraded.LastTransitionTime));
        }

        Report(world, s => s.FailingKeys = 0);
        world.Step();
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.Healthy), (world.Condition(ReplicaMirrorConditionTypes.Degraded)!.Status, world.Condition(ReplicaMirrorConditionTypes.Degraded)!.Reason));
    }

    [Fact]
    public void FailedFirstFullSync_IsRpoExceeded_AndDataAgeAbsentUntilEveryDestinationHasOne()
    {
        MirrorWorld world = Continuous(c => c.Delay = "15s");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        Assert.Null(world.Status.DataAge);
        world.Finish("eu");
        world.Finish("ap", succeeded: false, error: "AccessDenied");
        world.Step();

        V1Condition inSync = world.Condition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.RpoExceeded), (inSync.Status, inSync.Reason));
        Assert.Equal("rpo 1m0s: ap: no successful full sync yet", inSync.Message);
        Assert.Null(world.Status.DataAge);
        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.Degraded)!.Status);
    }

    [Fact]
    public void SilentWatcher_TurnsInSyncFalseOnceItsLastReportIsOlderThanRpo()
    {
        MirrorWorld world = Continuous(c => c.Delay = "15s", "eu");
        world.At(TimeSpan.Zero);
        Report(world, s => s.FullSyncRequested = T0);
        world.Step();
        world.Finish("eu");
        world.Step();

        world.Time.SetUtcNow(T0.AddSeconds(61));
        world.Step();

        V1Condition condition = world.Condition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.WatcherNotRunning), (condition.Status, condition.Reason));
    }

    [Fact]
    public void WatcherPodThatEndsQuickly_IsReplacedAfterADoublingBackoff()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.At(TimeSpan.Zero);
        End(world, afterSeconds: 5);

        MirrorPlan wait = world.Step();
        Assert.Null(wait.Watcher!.Create);
        Assert.Equal(T0.AddSeconds(15), wait.WakeAt);
        Assert.Equal(1, world.Status.Continuous!.WatcherFailures);

        MirrorPlan second = world.At(TimeSpan.FromSeconds(15));
        Assert.Equal((1L, 1L), second.Watcher!.Create);
        Assert.Equal("m-watcher-0", Assert.Single(second.Watcher.Delete).Metadata.Name);
        Assert.Equal(["m-watcher-1"], world.WatcherPods.Select(p => p.Metadata.Name));
        Assert.Equal(1, world.Status.Continuous.WatcherRestarts);

        End(world, afterSeconds: 1);
        Assert.Equal(T0.AddSeconds(36), world.Step().WakeAt);
        Assert.Equal((2L, 2L), world.At(TimeSpan.FromSeconds(36)).Watcher!.Create);
    }

    [Fact]
    public void WatcherPodThatRanLong_IsReplacedAtOnce()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.At(TimeSpan.Zero);
        End(world, afterSeconds: 600);

        Assert.Equal((1L, 0L), world.Step().Watcher!.Create);
    }

    [Fact]
    public void SpecChange_ReplacesTheWatcherPodBuiltFromTheOldGeneration()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.At(TimeSpan.Zero);
        world.Mirror.Metadata.Generation = 2;

        MirrorPlan plan = world.Step();

        Assert.Equal("m-watcher-0", Assert.Single(plan.Watcher!.Delete).Metadata.Name);
        Assert.Equal((1L, 0L), plan.Watcher.Create);
        Assert.Equal("2", Assert.Single(world.WatcherPods).Metadata.Annotations![WatcherContract.MirrorGenerationAnnotation]);
    }

    [Fact]
    public void SuspendedMirror_DeletesItsWatcherPod()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.At(TimeSpan.Zero);
        world.Mirror.Spec.Suspend = true;

        MirrorPlan plan = world.Step();

        Assert.Single(plan.Watcher!.Delete);
        Assert.Null(plan.Watcher.Create);
        Assert.Empty(world.WatcherPods);
    }

    [Fact]
    public void InvalidMirror_RunsNoWatcher()
    {
        MirrorWorld world = Continuous(destinations: "eu");
        world.Validity = new MirrorValidity(new MirrorProblem(ReplicaMirrorConditionReasons.ContinuousNeedsVolume, "continuous needs a volume source; use interval"),
            new Dictionary<string, MirrorProblem>());

        MirrorPlan plan = world.At(TimeSpan.Zero);

        Assert.Null(plan.Watcher!.Create);
        V1Condition ready = world.Condition(ReplicaMirrorConditionTypes.Ready)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.ContinuousNeedsVolume), (ready.Status, ready.Reason));
    }

    private static void End(MirrorWorld world, int afterSeconds)
    {
        V1Pod pod = world.WatcherPods.Last();
        DateTimeOffset started = world.Time.GetUtcNow();
        world.Time.Advance(TimeSpan.FromSeconds(afterSeconds));
        pod.Status = new V1PodStatus
        {
            Phase = "Failed",
            StartTime = started.UtcDateTime,
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "runner",
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 137, StartedAt = started.UtcDateTime, FinishedAt = world.Time.GetUtcNow().UtcDateTime } },
                },
            ],
        };
    }
}
