using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Api.Tests.ReplicaMirrors;

/// <summary>Recording finished children, the mirror-wide fields, <c>InSync</c> against the RPO and <c>Degraded</c>.</summary>
public sealed class ReplicaMirrorStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    private static ReplicaMirror Mirror(params string[] destinations) => new()
    {
        Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns", Uid = "uid-1", Generation = 4 },
        Spec = new ReplicaMirrorSpec
        {
            Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "src" } },
            Destinations = [.. destinations.Select(d => new MirrorDestination { Name = d, Volume = new VolumeEndpoint { ClaimName = d } })],
            Interval = "15m",
        },
    };

    private static SyncJob Finished(string name, DateTimeOffset start, DateTimeOffset end, bool succeeded, string? reason = null, string? error = null, long copied = 3, long bytes = 300) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = start.UtcDateTime, Annotations = new Dictionary<string, string> { [MirrorLabels.ScheduledTime] = MirrorChildren.FormatTime(start) } },
        Spec = new SyncJobSpec { Source = new Endpoint(), Destination = new Endpoint() },
        Status = new SyncJobStatus
        {
            Phase = succeeded ? SyncJobPhase.Succeeded : SyncJobPhase.Failed,
            StartTime = start,
            CompletionTime = end,
            LastError = error,
            Progress = new SyncProgress { Copied = copied, CopiedBytes = bytes, Deleted = 1, Failed = succeeded ? 0 : 2 },
            Conditions =
            [
                new V1Condition { Type = succeeded ? SyncJobConditionTypes.Complete : SyncJobConditionTypes.Failed, Status = ConditionStatus.True, Reason = reason ?? (succeeded ? "Succeeded" : "ObjectsFailed"), Message = "m" },
            ],
        },
    };

    [Fact]
    public void RecordFinished_FailureThenSuccess_CountsAndClearsTheError()
    {
        var d = new MirrorDestinationStatus { Name = "a" };

        ReplicaMirrorStatusBuilder.RecordFinished(d, Finished("m-a-1", T0, T0.AddMinutes(2), succeeded: false, error: "AccessDenied: check the key"), T0.AddMinutes(3));
        ReplicaMirrorStatusBuilder.RecordFinished(d, Finished("m-a-2", T0.AddMinutes(15), T0.AddMinutes(16), succeeded: false, error: "AccessDenied again"), T0.AddMinutes(17));
        Assert.Equal(2, d.ConsecutiveFailures);
        Assert.Equal("AccessDenied again", d.LastError);
        Assert.Null(d.LastSuccessfulSyncTime);

        var ok = ReplicaMirrorStatusBuilder.RecordFinished(d, Finished("m-a-3", T0.AddMinutes(30), T0.AddMinutes(34).AddSeconds(12), succeeded: true), T0.AddMinutes(40));

        Assert.Equal(MirrorSyncResult.Succeeded, ok.Result);
        Assert.Equal("m-a-3", d.LastResult!.SyncJob);
        Assert.Equal(0, d.ConsecutiveFailures);
        Assert.Null(d.LastError);
        Assert.Equal(T0.AddMinutes(30), d.LastSuccessfulSyncStartTime);
        Assert.Equal(T0.AddMinutes(34).AddSeconds(12), d.LastSuccessfulSyncTime);
        Assert.Equal("4m12s", d.LastSyncDuration);
        Assert.Equal((1, 2, 9, 900, 3), (d.Totals!.SucceededRuns, d.Totals.FailedRuns, d.Totals.CopiedObjects, d.Totals.CopiedBytes, d.Totals.DeletedObjects));
    }

    [Fact]
    public void Summarize_WithinAndPastRpo_InSyncFlipsAtTheReturnedTime()
    {
        var mirror = Mirror("a", "b");
        var time = new FakeTimeProvider(T0.AddMinutes(20));
        var status = new ReplicaMirrorStatus
        {
            Destinations =
            [
                new MirrorDestinationStatus { Name = "a", LastSuccessfulSyncStartTime = T0, LastResult = new MirrorRunResult { SyncJob = "x", Result = MirrorSyncResult.Succeeded } },
                new MirrorDestinationStatus { Name = "b", LastSuccessfulSyncStartTime = T0.AddMinutes(15), LastResult = new MirrorRunResult { SyncJob = "y", Result = MirrorSyncResult.Succeeded } },
            ],
        };

        var flip = ReplicaMirrorStatusBuilder.Summarize(mirror, status, TimeSpan.FromMinutes(30), time);

        var inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.WithinRpo), (inSync.Status, inSync.Reason));
        Assert.Equal(T0.AddMinutes(30), flip);
        Assert.Equal("20m0s", status.DataAge);
        Assert.Equal(MirrorSyncResult.Succeeded, status.LastSyncResult);
        var transition = inSync.LastTransitionTime;

        time.SetUtcNow(T0.AddMinutes(31));
        ReplicaMirrorStatusBuilder.Summarize(mirror, status, TimeSpan.FromMinutes(30), time);

        inSync = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.RpoExceeded), (inSync.Status, inSync.Reason));
        Assert.Contains("a: data 31m0s old", inSync.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("b:", inSync.Message, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(31), inSync.LastTransitionTime);
        Assert.NotEqual(transition, inSync.LastTransitionTime);
    }

    [Fact]
    public void Summarize_OneDestinationFailed_PartiallyFailedAndDegradedUntilItsNextSuccess()
    {
        var mirror = Mirror("a", "b");
        var time = new FakeTimeProvider(T0.AddMinutes(5));
        var a = new MirrorDestinationStatus { Name = "a" };
        var b = new MirrorDestinationStatus { Name = "b" };
        ReplicaMirrorStatusBuilder.RecordFinished(a, Finished("m-a-1", T0, T0.AddMinutes(1), succeeded: true), T0);
        ReplicaMirrorStatusBuilder.RecordFinished(b, Finished("m-b-1", T0, T0.AddMinutes(1), succeeded: false, error: "AccessDenied"), T0);
        var status = new ReplicaMirrorStatus { Destinations = [a, b] };

        ReplicaMirrorStatusBuilder.Summarize(mirror, status, null, time);

        Assert.Equal(MirrorSyncResult.PartiallyFailed, status.LastSyncResult);
        var degraded = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!;
        Assert.Equal((ConditionStatus.True, ReplicaMirrorConditionReasons.SyncPartiallyFailed), (degraded.Status, degraded.Reason));
        Assert.Contains("b: 1 failed run(s) in a row, last m-b-1: AccessDenied", degraded.Message, StringComparison.Ordinal);
        Assert.Equal(ConditionStatus.False, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Status);
        Assert.Null(status.DataAge);

        ReplicaMirrorStatusBuilder.RecordFinished(b, Finished("m-b-2", T0.AddMinutes(15), T0.AddMinutes(16), succeeded: true), T0);
        ReplicaMirrorStatusBuilder.Summarize(mirror, status, null, time);

        Assert.Equal(MirrorSyncResult.Succeeded, status.LastSyncResult);
        degraded = status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!;
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.Healthy), (degraded.Status, degraded.Reason));
        Assert.Equal(ConditionStatus.True, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Status);
    }

    [Fact]
    public void Summarize_EveryDestinationFailed_FailedAndMaxDeleteExceededSaysWhy()
    {
        var mirror = Mirror("a", "b");
        var a = new MirrorDestinationStatus { Name = "a" };
        var b = new MirrorDestinationStatus { Name = "b" };
        ReplicaMirrorStatusBuilder.RecordFinished(a, Finished("m-a-1", T0, T0.AddMinutes(1), succeeded: false, reason: SyncJobConditionReasons.MaxDeleteExceeded, error: "would delete 40 keys; maxDelete is 50% (20)"), T0);
        ReplicaMirrorStatusBuilder.RecordFinished(b, Finished("m-b-1", T0, T0.AddMinutes(1), succeeded: false, reason: SyncJobConditionReasons.MaxDeleteExceeded, error: "would delete 40 keys; maxDelete is 50% (20)"), T0);
        var status = new ReplicaMirrorStatus { Destinations = [a, b] };

        ReplicaMirrorStatusBuilder.Summarize(mirror, status, TimeSpan.FromMinutes(30), new FakeTimeProvider(T0.AddMinutes(2)));

        Assert.Equal(MirrorSyncResult.Failed, status.LastSyncResult);
        Assert.Equal(ReplicaMirrorConditionReasons.MaxDeleteExceeded, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Degraded)!.Reason);
    }

    [Fact]
    public void Summarize_SuspendedDestination_LeftOutOfInSyncAndResult()
    {
        var mirror = Mirror("a", "b");
        mirror.Spec.Destinations[1].Suspend = true;
        var a = new MirrorDestinationStatus { Name = "a" };
        ReplicaMirrorStatusBuilder.RecordFinished(a, Finished("m-a-1", T0, T0.AddMinutes(1), succeeded: true), T0);
        var status = new ReplicaMirrorStatus { Destinations = [a, new MirrorDestinationStatus { Name = "b" }] };

        ReplicaMirrorStatusBuilder.Summarize(mirror, status, TimeSpan.FromMinutes(30), new FakeTimeProvider(T0.AddMinutes(2)));

        Assert.Equal(ConditionStatus.True, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Status);
        Assert.Equal(MirrorSyncResult.Succeeded, status.LastSyncResult);
        Assert.Equal("2m0s", status.DataAge);

        mirror.Spec.Destinations[0].Suspend = true;
        ReplicaMirrorStatusBuilder.Summarize(mirror, status, TimeSpan.FromMinutes(30), new FakeTimeProvider(T0.AddMinutes(2)));
        Assert.Equal((ConditionStatus.Unknown, ReplicaMirrorConditionReasons.AllSuspended),
            (status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Status, status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.InSync)!.Reason));
    }
}
