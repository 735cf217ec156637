using System.Text.Json;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Leases;
using Ferry.Operator.SyncJobs;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Operator.Tests.SyncJobs;

public sealed class RunAggregatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The operator's clock.</summary>
    private readonly FakeTimeProvider _clock = new(Now);

    private readonly LeaseObserver _observer;

    public RunAggregatorTests() => _observer = new LeaseObserver(_clock, TimeSpan.FromSeconds(15));

    private static V1Lease Lease(string name, string role, Dictionary<string, string> annotations, DateTimeOffset? renew = null, int duration = 15, string version = "1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string>() { [RunLabels.LeaseRole] = role }, Annotations = annotations, ResourceVersion = version },
        Spec = new V1LeaseSpec { HolderIdentity = "pod-1", RenewTime = renew?.UtcDateTime, LeaseDurationSeconds = duration },
    };

    private static V1Lease Task(int i, string state, TaskCounters? counters = null, DateTimeOffset? renew = null, string role = LeaseRoles.Copy, string version = "1") =>
        Lease($"t{i}", role, new()
        {
            [RunAnnotations.State] = state,
            [RunAnnotations.Counters] = JsonSerializer.Serialize(counters ?? new TaskCounters(), ApiJsonContext.Default.TaskCounters),
        }, renew, version: version);

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
        var run = RunAggregator.Aggregate([], _observer);

        Assert.Equal(SyncJobPhase.Pending, run.Phase);
        Assert.Equal(0, run.Tasks.Total);
        Assert.Equal(0, run.Counters.Scanned);
        Assert.False(run.AllTasksDone);
    }

    [Fact]
    public void Aggregate_RunningTasks_ExpiredOnesCountAsPending_ByTheOperatorsObservation()
    {
        // First look: every running task was just seen, whatever its renewTime says.
        V1Lease renewing = Task(0, TaskStates.Running, renew: Now, version: "10");
        V1Lease stopped = Task(1, TaskStates.Running, renew: Now, version: "11");
        V1Lease noRenewTime = Task(2, TaskStates.Running, renew: null, version: "12");
        var first = RunAggregator.Aggregate([Scan("running"), renewing, stopped, noRenewTime, Task(3, TaskStates.Pending)], _observer);
        Assert.Equal((4L, 1L, 3L), (first.Tasks.Total!.Value, first.Tasks.Pending!.Value, first.Tasks.Running!.Value));

        // 15 s later on the operator's clock: only the task whose record changed in between is still running.
        _clock.Advance(TimeSpan.FromSeconds(10));
        renewing = Task(0, TaskStates.Running, renew: Now + TimeSpan.FromSeconds(10), version: "20");
        RunAggregator.Aggregate([renewing], _observer);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var later = RunAggregator.Aggregate([Scan("running"), renewing, stopped, noRenewTime, Task(3, TaskStates.Pending)], _observer);

        Assert.Equal(SyncJobPhase.Scanning, later.Phase);
        Assert.Equal((4L, 3L, 1L), (later.Tasks.Total!.Value, later.Tasks.Pending!.Value, later.Tasks.Running!.Value));
    }

    [Fact]
    public void Aggregate_HolderClockHoursBehind_RenewingTaskStaysRunning()
    {
        // The worker's node is 2 hours behind the operator's: with renewTime + leaseDurationSeconds judged on the
        // operator's clock every renewal would look expired on arrival.
        var worker = new FakeTimeProvider(Now - TimeSpan.FromHours(2));
        for (int renewal = 0; renewal < 10; renewal++)
        {
            V1Lease task = Task(0, TaskStates.Running, renew: worker.GetUtcNow(), version: (100 + renewal).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var run = RunAggregator.Aggregate([Scan("done"), task], _observer);
            Assert.Equal((1L, 0L), (run.Tasks.Running!.Value, run.Tasks.Pending!.Value));
            _clock.Advance(TimeSpan.FromSeconds(5));
            worker.Advance(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public void Aggregate_HolderClockHoursAhead_StoppedTaskExpiresAfterTheDuration()
    {
        // The worker's node is 2 hours ahead: its last renewTime lies in the operator's future, and would keep the
        // task "running" for 2 hours after the worker died.
        V1Lease task = Task(0, TaskStates.Running, renew: Now + TimeSpan.FromHours(2), version: "7");
        Assert.Equal(1L, RunAggregator.Aggregate([Scan("done"), task], _observer).Tasks.Running!.Value);

        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(1L, RunAggregator.Aggregate([Scan("done"), task], _observer).Tasks.Running!.Value);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var run = RunAggregator.Aggregate([Scan("done"), task], _observer);
        Assert.Equal((0L, 1L), (run.Tasks.Running!.Value, run.Tasks.Pending!.Value));
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
        ], _observer);

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

        var run = RunAggregator.Aggregate([Scan("done", RunOutcomes.Succeeded), Task(0, TaskStates.Done), failed], _observer);

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

        var run = RunAggregator.Aggregate([bad, other, Task(1, TaskStates.Done, new TaskCounters { Scanned = 2 })], _observer);

        Assert.Equal(2, run.Tasks.Total);
        Assert.Equal(2, run.Counters.Scanned);
    }
}
