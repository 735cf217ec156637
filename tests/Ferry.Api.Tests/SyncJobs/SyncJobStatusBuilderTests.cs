using Ferry.Api.Conditions;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Api.Tests.SyncJobs;

public sealed class SyncJobStatusBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(T0.AddMilliseconds(750));

    [Theory]
    [InlineData(RunFailureKind.ObjectsFailed, SyncJobConditionReasons.ObjectsFailed)]
    [InlineData(RunFailureKind.MaxFailuresReached, SyncJobConditionReasons.MaxFailuresReached)]
    [InlineData(RunFailureKind.MaxDeleteExceeded, SyncJobConditionReasons.MaxDeleteExceeded)]
    public void FailureReason_EachKind_ItsConditionReason(RunFailureKind kind, string reason) =>
        Assert.Equal(reason, SyncJobStatusBuilder.FailureReason(kind));

    [Theory]
    [InlineData("MaxDeleteExceeded", RunFailureKind.MaxDeleteExceeded)]
    [InlineData("MaxFailuresReached", RunFailureKind.MaxFailuresReached)]
    [InlineData("ObjectsFailed", RunFailureKind.ObjectsFailed)]
    [InlineData("SomethingNewer", RunFailureKind.ObjectsFailed)]
    [InlineData("maxdeleteexceeded", RunFailureKind.ObjectsFailed)]
    [InlineData("2", RunFailureKind.ObjectsFailed)]
    [InlineData(null, RunFailureKind.ObjectsFailed)]
    public void FailureKind_ReadsTheAnnotation_UnknownIsObjectsFailed(string? value, RunFailureKind kind) =>
        Assert.Equal(kind, RunOutcomes.FailureKind(value));

    [Fact]
    public void SetSpecInvalid_ThenValid_ClearsOnlyItsOwnError()
    {
        var status = new SyncJobStatus();

        SyncJobStatusBuilder.SetSpecInvalid(status, SyncJobConditionReasons.SecretNotFound, "Secret \"s3\" not found", 2, _clock);

        Assert.Equal((SyncJobPhase.Pending, "Secret \"s3\" not found", 0), (status.Phase, status.LastError, status.Workers!.Desired));
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.SecretNotFound), State(status, SyncJobConditionTypes.SpecValid));
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.SecretNotFound), State(status, SyncJobConditionTypes.Progressing));

        SyncJobStatusBuilder.SetSpecValid(status, SyncJobConditionReasons.Valid, "every reference exists", 2, _clock);

        Assert.Null(status.LastError);
        Assert.Equal((ConditionStatus.True, SyncJobConditionReasons.Valid), State(status, SyncJobConditionTypes.SpecValid));

        status.LastError = "task t-3 failed";
        SyncJobStatusBuilder.SetSpecInvalid(status, SyncJobConditionReasons.ClaimNotFound, "no claim", 3, _clock);
        status.LastError = "task t-3 failed";
        SyncJobStatusBuilder.SetSpecValid(status, SyncJobConditionReasons.Valid, "every reference exists", 3, _clock);
        Assert.Equal("task t-3 failed", status.LastError);
    }

    [Fact]
    public void SetSuspended_NeverSuspended_NoCondition_ThenTrue_ThenResumed()
    {
        var status = new SyncJobStatus();

        SyncJobStatusBuilder.SetSuspended(status, suspended: false, 1, _clock);
        Assert.Null(status.Conditions?.FindCondition(SyncJobConditionTypes.Suspended));

        SyncJobStatusBuilder.SetSuspended(status, suspended: true, 1, _clock);
        Assert.Equal((ConditionStatus.True, SyncJobConditionReasons.SuspendedBySpec), State(status, SyncJobConditionTypes.Suspended));

        SyncJobStatusBuilder.SetSuspended(status, suspended: false, 1, _clock);
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.Resumed), State(status, SyncJobConditionTypes.Suspended));
    }

    [Theory]
    [InlineData(SyncJobPhase.Pending, false, false, ConditionStatus.True, SyncJobConditionReasons.Pending)]
    [InlineData(SyncJobPhase.Scanning, false, false, ConditionStatus.True, SyncJobConditionReasons.Scanning)]
    [InlineData(SyncJobPhase.Running, false, false, ConditionStatus.True, SyncJobConditionReasons.Copying)]
    [InlineData(SyncJobPhase.Running, true, false, ConditionStatus.True, SyncJobConditionReasons.Deleting)]
    [InlineData(SyncJobPhase.Running, false, true, ConditionStatus.False, SyncJobConditionReasons.SuspendedBySpec)]
    public void SetProgressing_EachStage(SyncJobPhase phase, bool deleting, bool suspended, string value, string reason)
    {
        var status = new SyncJobStatus();
        SyncJobStatusBuilder.SetProgress(status, phase, new TaskCounts(), new SyncProgress(), new WorkerCounts());

        SyncJobStatusBuilder.SetProgressing(status, deleting, suspended, 4, _clock);

        Assert.Equal((value, reason), State(status, SyncJobConditionTypes.Progressing));
        Assert.Equal(4, status.Conditions!.FindCondition(SyncJobConditionTypes.Progressing)!.ObservedGeneration);
    }

    [Fact]
    public void SetSucceeded_CompleteWithCounts_ProgressingEnded_NoWorkersWanted()
    {
        var status = new SyncJobStatus();
        SyncJobStatusBuilder.SetStarted(status, T0.AddSeconds(-30.4));
        SyncJobStatusBuilder.SetProgress(status, SyncJobPhase.Running, new TaskCounts { Total = 3, Done = 3 },
            new SyncProgress { Copied = 7, CopiedBytes = 700, Skipped = 2, Deleted = 1 }, new WorkerCounts { Desired = 3, Active = 2 });
        SyncJobStatusBuilder.SetProgressing(status, deleting: false, suspended: false, 1, _clock);
        _clock.Advance(TimeSpan.FromSeconds(30));

        SyncJobStatusBuilder.SetSucceeded(status, 1, _clock);

        Assert.Equal(SyncJobPhase.Succeeded, status.Phase);
        Assert.Equal((T0.AddSeconds(-31), T0.AddSeconds(30)), (status.StartTime, status.CompletionTime));
        Assert.Equal((0, 2), (status.Workers!.Desired, status.Workers.Active));
        V1Condition complete = status.Conditions!.FindCondition(SyncJobConditionTypes.Complete)!;
        Assert.Equal((ConditionStatus.True, SyncJobConditionReasons.Succeeded), (complete.Status, complete.Reason));
        Assert.Equal("3 task(s) done: 7 object(s) copied (700 bytes), 2 skipped, 1 deleted", complete.Message);
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.Succeeded), State(status, SyncJobConditionTypes.Progressing));
        Assert.Equal(T0.AddSeconds(30).UtcDateTime, status.Conditions!.FindCondition(SyncJobConditionTypes.Progressing)!.LastTransitionTime);
        Assert.Null(status.Conditions!.FindCondition(SyncJobConditionTypes.Failed));
        Assert.True(SyncJobStatusBuilder.IsFinished(status));
    }

    [Fact]
    public void SetFailed_ReasonMessageAndLastError_NoCompleteCondition()
    {
        var status = new SyncJobStatus();
        SyncJobStatusBuilder.SetProgress(status, SyncJobPhase.Running, new TaskCounts(), new SyncProgress { Failed = 2 }, new WorkerCounts { Desired = 2 });
        Assert.False(SyncJobStatusBuilder.IsFinished(status));

        SyncJobStatusBuilder.SetFailed(status, SyncJobStatusBuilder.FailureReason(RunFailureKind.MaxDeleteExceeded), "refusing to delete 9 keys", 5, _clock);

        Assert.Equal((SyncJobPhase.Failed, "refusing to delete 9 keys", 0), (status.Phase, status.LastError, status.Workers!.Desired));
        Assert.Equal(T0, status.CompletionTime);
        V1Condition failed = status.Conditions!.FindCondition(SyncJobConditionTypes.Failed)!;
        Assert.Equal((ConditionStatus.True, SyncJobConditionReasons.MaxDeleteExceeded, "refusing to delete 9 keys", 5L), (failed.Status, failed.Reason, failed.Message, failed.ObservedGeneration));
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.MaxDeleteExceeded), State(status, SyncJobConditionTypes.Progressing));
        Assert.Null(status.Conditions!.FindCondition(SyncJobConditionTypes.Complete));
        Assert.True(SyncJobStatusBuilder.IsFinished(status));
    }

    [Fact]
    public void SetStarted_KeepsTheFirstStart()
    {
        var status = new SyncJobStatus();

        SyncJobStatusBuilder.SetStarted(status, T0);
        SyncJobStatusBuilder.SetStarted(status, T0.AddMinutes(5));

        Assert.Equal(T0, status.StartTime);
    }

    private static (string Status, string Reason) State(SyncJobStatus status, string type) =>
        status.Conditions!.FindCondition(type) is { } c ? (c.Status, c.Reason) : ("(none)", "(none)");
}
