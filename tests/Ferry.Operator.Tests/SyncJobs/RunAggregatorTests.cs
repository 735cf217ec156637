using System.Text.Json;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Operator.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Operator.Tests.SyncJobs;

public sealed class RunAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static V1Lease Lease(string name, string role, Dictionary<string, string> annotations, DateTimeOffset? renew = null, int duration = 15) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>() { [RunLabels.LeaseRole] = role }, Annotations = annotations },
        Spec = new V1LeaseSpec { RenewTime = renew?.UtcDateTime, LeaseDurationSeconds = duration },
    };

    private static V1Lease Task(int i, string state, TaskCounters? counters = null, DateTimeOffset? renew = null, string role = LeaseRoles.Copy) =>
        Lease($"t{i}", role, new()
        {
            [RunAnnotations.State] = state,
            [RunAnnotations.Counters] = JsonSerializer.Serialize(counters ?? new TaskCounters(), ApiJsonContext.Default.TaskCounters),
        }, renew);

    private static V1Lease Scan(string state, string? outcome = null)
    {
        var annotations = new Dictionary<string, string> { [RunAnnotations.ScanState] = state };
        if (outcome is not null)
        {
            annotations[RunAnnotations.Outcome] = outcome;
        }

        return Lease("scan", LeaseRoles.Scan, annotations, Now);
    }

    [Fact]
    public void Aggregate_NoLeases_PendingAndZero()
    {
        var run = RunAggregator.Aggregate([], Now);

        Assert.Equal(SyncJobPhase.Pending, run.Phase);
        Assert.Equal(0, run.Tasks.Total);
        Assert.Equal(0, run.Counters.Scanned);
        Assert.False(run.AllTasksDone);
    }

    [Fact]
    public void Aggregate_RunningTasks_ExpiredOnesCountAsPending()
    {
        var run = RunAggregator.Aggregate(
        [
            Scan("running"),
            Task(0, TaskStates.Running, renew: Now - TimeSpan.FromSeconds(10)),
            Task(1, TaskStates.Running, renew: Now - TimeSpan.FromSeconds(16)),
            Task(2, TaskStates.Running, renew: null),
            Task(3, TaskStates.Pending),
        ], Now);

        Assert.Equal(SyncJobPhase.Scanning, run.Phase);
        Assert.Equal((4L, 3L, 1L), (run.Tasks.Total!.Value, run.Tasks.Pending!.Value, run.Tasks.Running!.Value));
    }

    [Fact]
    public void Aggregate_Counters_SummedOverCopyAndDeleteTasks()
    {
        var run = RunAggregator.Aggregate(
        [
            Scan("done"),
            Task(0, TaskStates.Done, new TaskCounters { Scanned = 3, ScannedBytes = 30, Copied = 2, CopiedBytes = 20, Skipped = 1, Extra = 4 }),
            Task(1, TaskStates.Done, new TaskCounters { Scanned = 5, Copied = 5, Checked = 5, Excluded = 2, Failed = 0 }),
            Task(2, TaskStates.Done, new TaskCounters { Deleted = 4 }, role: LeaseRoles.Delete),
        ], Now);

        Assert.Equal(SyncJobPhase.Running, run.Phase);
        Assert.True(run.Deleting);
        Assert.True(run.AllTasksDone);
        var p = run.Counters.ToProgress();
        Assert.Equal((8L, 30L, 7L, 20L, 5L, 1L, 4L, 2L, 4L), (p.Scanned!.Value, p.ScannedBytes!.Value, p.Copied!.Value, p.CopiedBytes!.Value, p.Checked!.Value, p.Skipped!.Value, p.Deleted!.Value, p.Excluded!.Value, p.Extra!.Value));
    }

    [Fact]
    public void Aggregate_FailedTask_ListedWithError()
    {
        var failed = Task(1, TaskStates.Failed);
        failed.Metadata.Annotations![RunAnnotations.LastError] = "access denied";

        var run = RunAggregator.Aggregate([Scan("done", RunOutcomes.Succeeded), Task(0, TaskStates.Done), failed], Now);

        Assert.Equal(("t1", "access denied"), Assert.Single(run.FailedTasks));
        Assert.Equal(1, run.Tasks.Failed);
        Assert.False(run.AllTasksDone);
        Assert.Equal(RunOutcomes.Succeeded, run.Outcome);
    }

    [Fact]
    public void Aggregate_MalformedCountersAndUnknownRoles_Ignored()
    {
        var bad = Task(0, TaskStates.Done);
        bad.Metadata.Annotations![RunAnnotations.Counters] = "{not json";
        var other = Lease("x", "other", new() { [RunAnnotations.State] = TaskStates.Done, [RunAnnotations.Counters] = "{\"scanned\":99}" });

        var run = RunAggregator.Aggregate([bad, other, Task(1, TaskStates.Done, new TaskCounters { Scanned = 2 })], Now);

        Assert.Equal(2, run.Tasks.Total);
        Assert.Equal(2, run.Counters.Scanned);
    }

    [Fact]
    public void IsExpired_ExactlyAtRenewPlusDuration_NotExpired()
    {
        Assert.False(RunAggregator.IsExpired(new V1LeaseSpec { RenewTime = (Now - TimeSpan.FromSeconds(15)).UtcDateTime, LeaseDurationSeconds = 15 }, Now));
        Assert.True(RunAggregator.IsExpired(new V1LeaseSpec { RenewTime = (Now - TimeSpan.FromSeconds(15.001)).UtcDateTime, LeaseDurationSeconds = 15 }, Now));
    }
}
