using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Api.Tests.ReplicaMirrors;

/// <summary>A continuous mirror's <c>InSync</c>, <c>Degraded</c> and <c>dataAge</c> from <c>status.continuous</c>, the
/// watcher's heartbeat and the destinations' full syncs, with the scheduled rules' reasons where the cause is the same.</summary>
public sealed class ContinuousStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Rpo = TimeSpan.FromMinutes(1);

    private static ReplicaMirror Mirror(params string[] destinations) => new()
    {
        Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns", Generation = 3 },
        Spec = new ReplicaMirrorSpec
        {
            Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "src" } },
            Destinations = [.. destinations.Select(d => new MirrorDestination { Name = d, Volume = new VolumeEndpoint { ClaimName = d } })],
            Continuous = new ContinuousSpec(),
        },
    };

    private static ReplicaMirrorStatus Synced(ContinuousStatus continuous, params string[] destinations) => new()
    {
        Conditions = [],
        Continuous = continuous,
        Destinations = [.. destinations.Select(d => new MirrorDestinationStatus { Name = d, LastSuccessfulSyncStartTime = T0, LastResult = new MirrorRunResult { SyncJob = d, Result = MirrorSyncResult.Succeeded } })],
    };

    [Fact]
    public void Apply_NothingPending_InSyncUntilTheHeartbeatIsOlderThanRpo()
    {
        var time = new FakeTimeProvider(T0.AddSeconds(30));
        ReplicaMirrorStatus status = Synced(new ContinuousStatus { PendingChanges = 0 }, "eu");

        DateTimeOffset? flip = ContinuousStatusBuilder.Apply(Mirror("eu"), status, null, Rpo, T0.AddSeconds(20), time);

        V1Condition inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.WithinRpo, 3L), (inSync.Status, inSync.Reason, inSync.ObservedGeneration));
        Assert.Equal("0s", status.DataAge);
        Assert.Equal(T0.AddSeconds(80), flip);

        time.SetUtcNow(T0.AddSeconds(81));
        Assert.Null(ContinuousStatusBuilder.Apply(Mirror("eu"), status, ContinuousStatusBuilder.Snapshot(status.Conditions), Rpo, T0.AddSeconds(20), time));
        inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.WatcherNotRunning), (inSync.Status, inSync.Reason));
        Assert.Equal("rpo 1m0s: no watcher has reported since 2026-12-08T10:00:20Z (1m1s ago): changes are not being watched", inSync.Message);
        Assert.Equal(T0.AddSeconds(81), inSync.LastTransitionTime);
    }

    [Fact]
    public void Apply_PendingChange_FlipsWhenItIsOlderThanRpo_DataAgeIsItsAge()
    {
        var time = new FakeTimeProvider(T0.AddSeconds(50));
        ReplicaMirrorStatus status = Synced(new ContinuousStatus { PendingChanges = 4, OldestPendingChangeTime = T0.AddSeconds(10) }, "eu", "ap");

        DateTimeOffset? flip = ContinuousStatusBuilder.Apply(Mirror("eu", "ap"), status, null, Rpo, T0.AddSeconds(50), time);

        Assert.Equal(T0.AddSeconds(70), flip);
        Assert.Equal("40s", status.DataAge);
        time.SetUtcNow(T0.AddSeconds(71));
        ContinuousStatusBuilder.Apply(Mirror("eu", "ap"), status, ContinuousStatusBuilder.Snapshot(status.Conditions), Rpo, T0.AddSeconds(70), time);
        V1Condition inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.RpoExceeded), (inSync.Status, inSync.Reason));
        Assert.Equal("rpo 1m0s: 4 change(s) pending, the oldest seen 1m1s ago", inSync.Message);
        Assert.Equal("1m1s", status.DataAge);
    }

    [Fact]
    public void Apply_BeforeEveryFirstFullSync_FirstSyncPendingWithoutDataAge()
    {
        ReplicaMirrorStatus status = Synced(new ContinuousStatus(), "eu");
        status.Destinations!.Add(new MirrorDestinationStatus { Name = "ap" });

        ContinuousStatusBuilder.Apply(Mirror("eu", "ap"), status, null, Rpo, T0, new FakeTimeProvider(T0));

        V1Condition inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.FirstSyncPending, "the first full sync has not finished: ap"), (inSync.Status, inSync.Reason, inSync.Message));
        Assert.Null(status.DataAge);
    }

    [Fact]
    public void Apply_FailingKeys_DegradedUntilNoneFail_ButAFailedFullSyncKeepsItsOwnReason()
    {
        var time = new FakeTimeProvider(T0);
        ReplicaMirrorStatus status = Synced(new ContinuousStatus { FailingKeys = 2 }, "eu");
        status.Conditions!.SetCondition(new V1Condition { Type = ReplicaMirrorConditionTypes.Degraded, Status = ConditionStatus.False, Reason = ReplicaMirrorConditionReasons.Healthy, Message = "ok" }, time);

        ContinuousStatusBuilder.Apply(Mirror("eu"), status, null, Rpo, T0, time);
        V1Condition degraded = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!;
        Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.KeysFailing), (degraded.Status, degraded.Reason));
        Assert.Contains("2 key(s) failed in batches", degraded.Message, StringComparison.Ordinal);

        status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!.Reason = ReplicaMirrorConditionReasons.SyncFailed;
        ContinuousStatusBuilder.Apply(Mirror("eu"), status, null, Rpo, T0, time);
        Assert.Equal(ReplicaMirrorConditionReasons.SyncFailed, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!.Reason);
    }

    [Fact]
    public void Apply_EveryDestinationSuspended_InSyncUnknown()
    {
        ReplicaMirror mirror = Mirror("eu");
        mirror.Spec.Destinations[0].Suspend = true;
        ReplicaMirrorStatus status = Synced(new ContinuousStatus(), "eu");

        Assert.Null(ContinuousStatusBuilder.Apply(mirror, status, null, Rpo, T0, new FakeTimeProvider(T0)));

        Assert.Equal(ReplicaMirrorConditionReasons.AllSuspended, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Reason);
        Assert.Null(status.DataAge);
    }

    [Fact]
    public void Snapshot_CopiesTheConditions()
    {
        var original = new V1Condition { Type = "InSync", Status = ConditionStatus.True, Reason = "WithinRpo", Message = "m", ObservedGeneration = 2, LastTransitionTime = T0.UtcDateTime };

        V1Condition copy = Assert.Single(ContinuousStatusBuilder.Snapshot([original])!);
        original.Status = ConditionStatus.False;

        Assert.NotSame(original, copy);
        Assert.Equal((ConditionStatus.True, "WithinRpo", "m", 2L, T0.UtcDateTime), (copy.Status, copy.Reason, copy.Message, copy.ObservedGeneration!.Value, copy.LastTransitionTime));
    }
}
