using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using Ferry.Operator.ReplicaMirrors;

namespace Ferry.Operator.Tests.ReplicaMirrors;

/// <summary>The ReplicaMirror's scheduling decisions over simulated days on a fake clock: triggers, concurrency
/// policies, suspend, missed slots, history, back-off, parallelism and manual tokens.</summary>
public sealed class MirrorPlannerTests
{
    private static TimeSpan Minutes(double m) => TimeSpan.FromMinutes(m);

    [Fact]
    public void Interval_FirstRunAtCreationThenEveryInterval_DeterministicNames()
    {
        var world = new MirrorWorld(s => s.Interval = "15m");

        var first = world.At(TimeSpan.Zero);
        Assert.Equal(["m-eu-1796724000", "m-ap-1796724000"], first.Starts.Select(c => c.Metadata.Name));
        Assert.True(first.Significant);
        Assert.Equal(MirrorWorld.Created.AddMinutes(15), world.Status.NextSyncTime);

        world.Time.Advance(Minutes(3));
        world.Finish("eu");
        world.Finish("ap");
        var recorded = world.Step();
        Assert.Empty(recorded.Starts);
        Assert.Equal(2, world.EventsOf(MirrorEventReasons.RunSucceeded).Count());
        Assert.Equal(MirrorSyncResult.Succeeded, world.Status.LastSyncResult);
        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.InSync)!.Status);
        Assert.Equal(MirrorWorld.Created.AddMinutes(15), recorded.WakeAt);

        Assert.Empty(world.At(Minutes(14)).Starts);
        var second = world.At(Minutes(15));
        Assert.Equal(["m-eu-1796724900", "m-ap-1796724900"], second.Starts.Select(c => c.Metadata.Name));
        Assert.All(second.Starts, c => Assert.Equal("interval", c.Metadata.Annotations![MirrorLabels.Trigger]));
    }

    [Fact]
    public void Forbid_SlotWhileRunning_SkippedCountedAndNotRunLate()
    {
        var world = new MirrorWorld(s => s.Interval = "10m", "eu");
        world.At(TimeSpan.Zero);

        var skip = world.At(Minutes(10));

        Assert.Empty(skip.Starts);
        var skipped = Assert.Single(world.EventsOf(MirrorEventReasons.RunSkipped));
        Assert.True(skipped.Warning);
        Assert.Contains("m-eu-1796724000 is still running", skipped.Message, StringComparison.Ordinal);
        Assert.Equal(1, world.Status.MissedIntervals);
        Assert.Equal(1, world.Destination("eu").Totals!.MissedRuns);
        Assert.Equal(MirrorWorld.Created.AddMinutes(10), world.Destination("eu").LastScheduleTime);

        world.Time.Advance(Minutes(2));
        world.Finish("eu");
        Assert.Empty(world.Step().Starts);
        Assert.Equal("m-eu-1796725200", Assert.Single(world.At(Minutes(20)).Starts).Metadata.Name);
        Assert.Single(world.EventsOf(MirrorEventReasons.RunSkipped));
    }

    [Fact]
    public void Replace_SlotWhileRunning_DeletesTheRunningChildAndStartsTheNewOne()
    {
        var world = new MirrorWorld(s => { s.Interval = "10m"; s.ConcurrencyPolicy = ConcurrencyPolicy.Replace; }, "eu");
        world.At(TimeSpan.Zero);

        var plan = world.At(Minutes(10));

        Assert.Equal("m-eu-1796724000", Assert.Single(plan.Replaced).Metadata.Name);
        Assert.Equal("m-eu-1796724600", Assert.Single(plan.Starts).Metadata.Name);
        Assert.Equal("m-eu-1796724600", world.Destination("eu").Active);
        Assert.Single(world.EventsOf(MirrorEventReasons.RunReplaced));
        Assert.Equal(0, world.Status.MissedIntervals);
    }

    [Fact]
    public void DestinationPolicy_OverridesTheMirrors()
    {
        var world = new MirrorWorld(s => { s.Interval = "10m"; s.Destinations[1].ConcurrencyPolicy = ConcurrencyPolicy.Replace; });
        world.At(TimeSpan.Zero);

        var plan = world.At(Minutes(10));

        Assert.Equal("m-ap-1796724000", Assert.Single(plan.Replaced).Metadata.Name);
        Assert.Equal("m-ap-1796724600", Assert.Single(plan.Starts).Metadata.Name);
        Assert.Equal(1, world.Destination("eu").Totals!.MissedRuns);
    }

    [Fact]
    public void Suspend_NoRunsWhileSuspended_OnResumeOnlyTheLatestSlotRunsWithOneMissedScheduleEvent()
    {
        var world = new MirrorWorld(s => s.Schedule = "0 * * * *", "eu");
        world.At(Minutes(60));
        world.Time.Advance(Minutes(5));
        world.Finish("eu");
        world.Step();

        world.Mirror.Spec.Suspend = true;
        world.Mirror.Metadata.Generation = 2;
        for (var hour = 2; hour <= 5; hour++)
        {
            Assert.Empty(world.At(Minutes(hour * 60)).Starts);
            Assert.Null(world.Status.NextSyncTime);
        }

        Assert.Equal(ConditionStatus.True, world.Condition(ReplicaMirrorConditionTypes.Suspended)!.Status);
        Assert.Empty(world.EventsOf(MirrorEventReasons.MissedSchedule));

        world.Mirror.Spec.Suspend = false;
        var resumed = world.At(Minutes(5 * 60 + 7));

        Assert.Equal("m-eu-1796742000", Assert.Single(resumed.Starts).Metadata.Name);
        var missed = Assert.Single(world.EventsOf(MirrorEventReasons.MissedSchedule));
        Assert.Contains("eu: 3 slot(s) before 2026-12-08T15:00:00Z", missed.Message, StringComparison.Ordinal);
        Assert.Equal(3, world.Status.MissedIntervals);
        Assert.Equal(ConditionStatus.False, world.Condition(ReplicaMirrorConditionTypes.Suspended)!.Status);
    }

    [Fact]
    public void DestinationSuspend_PausesOnlyThatDestination()
    {
        var world = new MirrorWorld(s => { s.Interval = "10m"; s.Destinations[0].Suspend = true; });

        var plan = world.At(TimeSpan.Zero);

        Assert.Equal("m-ap-1796724000", Assert.Single(plan.Starts).Metadata.Name);
        Assert.Null(world.Destination("eu").NextSyncTime);
        Assert.NotNull(world.Destination("ap").NextSyncTime);
    }

    [Fact]
    public void ThreeDayOutage_OneRunAndOneMissedScheduleEvent_SchedulingGoesOn()
    {
        var world = new MirrorWorld(s => s.Schedule = "*/30 * * * *", "eu", "ap");
        world.At(Minutes(30));
        world.Time.Advance(Minutes(2));
        world.Finish("eu");
        world.Finish("ap");
        world.Step();

        // The operator was down for three days.
        var back = world.At(TimeSpan.FromDays(3) + Minutes(40));

        Assert.Equal(2, back.Starts.Count);
        Assert.All(back.Starts, c => Assert.Equal("2026-12-11T10:30:00Z", c.Metadata.Annotations![MirrorLabels.ScheduledTime]));
        var missed = Assert.Single(world.EventsOf(MirrorEventReasons.MissedSchedule));
        Assert.Contains("eu: 143 slot(s)", missed.Message, StringComparison.Ordinal);
        Assert.Contains("ap: 143 slot(s)", missed.Message, StringComparison.Ordinal);
        Assert.Equal(286, world.Status.MissedIntervals);
        Assert.Equal(new DateTimeOffset(2026, 12, 11, 11, 0, 0, TimeSpan.Zero), world.Status.NextSyncTime);
    }

    [Fact]
    public void StartingDeadline_SlotNoticedTooLate_SkippedThenTheNextRuns()
    {
        var world = new MirrorWorld(s => { s.Schedule = "0 * * * *"; s.StartingDeadlineSeconds = 300; }, "eu");

        var late = world.At(Minutes(60 + 6));

        Assert.Empty(late.Starts);
        Assert.Contains("past startingDeadlineSeconds 300", Assert.Single(world.EventsOf(MirrorEventReasons.MissedSchedule)).Message, StringComparison.Ordinal);
        Assert.Equal(1, world.Status.MissedIntervals);
        Assert.Empty(world.At(Minutes(100)).Starts);
        Assert.Single(world.At(Minutes(120 + 4)).Starts);
        Assert.Equal(1, world.Status.MissedIntervals);
    }

    [Fact]
    public void History_KeepsTheNewestSucceededAndFailedRunsThatTheStatusHolds()
    {
        var world = new MirrorWorld(s => { s.Interval = "10m"; s.SuccessfulRunsHistoryLimit = 2; s.FailedRunsHistoryLimit = 1; }, "eu");
        bool[] outcomes = [true, false, true, true, false, true];
        for (var i = 0; i < outcomes.Length; i++)
        {
            world.At(Minutes(i * 10));
            world.Time.Advance(Minutes(1));
            world.Finish("eu", outcomes[i], error: outcomes[i] ? null : "boom");
            world.Step();
        }

        // The last result is recorded in the step above; pruning uses the status as stored, so one more step prunes.
        world.Step();

        var kept = world.ChildrenOf("eu").Select(c => c.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["m-eu-1796725800", "m-eu-1796726400", "m-eu-1796727000"], kept);
        Assert.Equal((4, 2), (world.Destination("eu").Totals!.SucceededRuns, world.Destination("eu").Totals!.FailedRuns));
    }

    [Fact]
    public void History_ZeroLimits_ChildDeletedOnlyAfterItsResultIsStored()
    {
        var world = new MirrorWorld(s => { s.Interval = "10m"; s.SuccessfulRunsHistoryLimit = 0; }, "eu");
        world.At(TimeSpan.Zero);
        world.Time.Advance(Minutes(1));
        world.Finish("eu");

        var record = world.Step();
        Assert.Empty(record.Pruned);
        Assert.Equal("m-eu-1796724000", world.Destination("eu").LastResult!.SyncJob);

        var prune = world.Step();
        Assert.Equal("m-eu-1796724000", Assert.Single(prune.Pruned).Metadata.Name);
        Assert.Empty(world.Children);
        Assert.Equal(1, world.Destination("eu").Totals!.SucceededRuns);
    }

    [Fact]
    public void BackToBack_NextRunWhenThePreviousEnds_FailuresBackOff30sDoublingTo10m()
    {
        var world = new MirrorWorld(_ => { }, "eu");
        Assert.Single(world.At(TimeSpan.Zero).Starts);
        Assert.Null(world.Status.NextSyncTime);

        var offsets = new List<double>();
        var clock = TimeSpan.Zero;
        for (var failure = 1; failure <= 7; failure++)
        {
            clock += TimeSpan.FromSeconds(5);
            world.Time.SetUtcNow(MirrorWorld.Created + clock);
            world.Finish("eu", succeeded: false, error: "AccessDenied");
            var plan = world.Step();
            Assert.Empty(plan.Starts);
            var due = world.Destination("eu").NextSyncTime!.Value;
            offsets.Add((due - (MirrorWorld.Created + clock)).TotalSeconds);
            Assert.Equal(due, plan.WakeAt);
            world.Time.SetUtcNow(due - TimeSpan.FromSeconds(1));
            Assert.Empty(world.Step().Starts);
            world.Time.SetUtcNow(due);
            Assert.Single(world.Step().Starts);
            clock = due - MirrorWorld.Created;
        }

        Assert.Equal([30, 60, 120, 240, 480, 600, 600], offsets);

        clock += TimeSpan.FromSeconds(5);
        world.Time.SetUtcNow(MirrorWorld.Created + clock);
        world.Finish("eu");
        Assert.Single(world.Step().Starts);
        Assert.Equal(0, world.Destination("eu").ConsecutiveFailures);
    }

    [Fact]
    public void MaxParallelDestinations_DueDestinationsWaitForAPlace()
    {
        var world = new MirrorWorld(s => { s.Interval = "1h"; s.MaxParallelDestinations = 1; }, "eu", "ap", "us");

        var first = world.At(TimeSpan.Zero);
        Assert.Equal("m-eu-1796724000", Assert.Single(first.Starts).Metadata.Name);
        Assert.Equal(MirrorWorld.Created, world.Destination("ap").NextSyncTime);

        world.Time.Advance(Minutes(4));
        world.Finish("eu");
        var second = world.Step();
        Assert.Equal("m-ap-1796724000", Assert.Single(second.Starts).Metadata.Name);

        world.Time.Advance(Minutes(4));
        world.Finish("ap");
        Assert.Equal("m-us-1796724000", Assert.Single(world.Step().Starts).Metadata.Name);
        Assert.Equal(0, world.Status.MissedIntervals);
    }

    [Fact]
    public void ManualTrigger_OnAScheduleThatWouldNotFire_RunsEveryDestinationOnceAndEchoesTheToken()
    {
        var world = new MirrorWorld(s => s.Schedule = "0 0 1 1 *");
        Assert.Empty(world.At(Minutes(1)).Starts);

        world.Mirror.Spec.ManualTrigger = "deploy-1";
        var plan = world.At(Minutes(2));

        Assert.Equal(2, plan.Starts.Count);
        Assert.All(plan.Starts, c => Assert.Equal(("manual", "deploy-1"), (c.Metadata.Annotations![MirrorLabels.Trigger], c.Metadata.Annotations[MirrorLabels.ManualTrigger])));
        Assert.Equal("deploy-1", world.Status.LastManualTrigger);
        Assert.Empty(world.At(Minutes(3)).Starts);

        world.Time.Advance(Minutes(1));
        world.Finish("eu");
        world.Finish("ap");
        world.Step();
        Assert.Empty(world.At(Minutes(10)).Starts);
    }

    [Fact]
    public void ManualTrigger_WhileRunningUnderForbid_WaitsForTheRunThenRuns()
    {
        var world = new MirrorWorld(s => s.Interval = "1h", "eu");
        world.At(TimeSpan.Zero);

        world.Mirror.Spec.ManualTrigger = "now-please";
        Assert.Empty(world.At(Minutes(1)).Starts);
        Assert.Null(world.Status.LastManualTrigger);

        world.Time.Advance(Minutes(1));
        world.Finish("eu");
        var manual = Assert.Single(world.Step().Starts);

        Assert.Equal("now-please", manual.Metadata.Annotations![MirrorLabels.ManualTrigger]);
        Assert.Equal("now-please", world.Status.LastManualTrigger);
        Assert.Equal(MirrorWorld.Created.AddMinutes(62), world.Destination("eu").NextSyncTime);
    }

    [Fact]
    public void ManualOnly_RunsOnlyWhenTheTokenChanges()
    {
        var world = new MirrorWorld(s => s.ManualTrigger = "t1", "eu");
        Assert.Single(world.At(TimeSpan.Zero).Starts);
        world.Time.Advance(Minutes(1));
        world.Finish("eu");
        world.Step();
        Assert.Empty(world.At(TimeSpan.FromDays(2)).Starts);
        Assert.Null(world.Status.NextSyncTime);

        world.Mirror.Spec.ManualTrigger = "t2";
        Assert.Single(world.Step().Starts);
    }

    [Fact]
    public void StatusLost_AfterCreate_ReplanFindsTheChildAndStartsNothing()
    {
        var world = new MirrorWorld(s => s.Interval = "15m");
        world.Step();
        var written = world.Mirror.Status;

        world.Mirror.Status = null;
        var again = world.Step();

        Assert.Empty(again.Starts);
        Assert.Equal(written!.Destinations!.Select(d => d.Active), world.Status.Destinations!.Select(d => d.Active));
    }

    [Fact]
    public void InvalidDestination_OthersRun_ReadyFalseNamesIt()
    {
        var world = new MirrorWorld(s => s.Interval = "15m")
        {
            Validity = new MirrorValidity(null, new Dictionary<string, MirrorProblem>
            {
                ["eu"] = new("SecretNotFound", "Secret \"eu-creds\" (spec.destinations[eu].s3.credentialsSecretRef) not found in namespace \"ns\""),
            }),
        };

        var plan = world.Step();

        Assert.Equal("m-ap-1796724000", Assert.Single(plan.Starts).Metadata.Name);
        var ready = world.Condition(ReplicaMirrorConditionTypes.Ready)!;
        Assert.Equal((ConditionStatus.False, "SecretNotFound"), (ready.Status, ready.Reason));
        Assert.Contains("destination eu does not run", ready.Message, StringComparison.Ordinal);
        Assert.Contains("eu-creds", world.Destination("eu").LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidSchedule_NoRunsAndReadyFalse()
    {
        var world = new MirrorWorld(s => s.Schedule = "0 25 * * *");

        var plan = world.Step();

        Assert.Empty(plan.Starts);
        var ready = world.Condition(ReplicaMirrorConditionTypes.Ready)!;
        Assert.Equal((ConditionStatus.False, SyncJobConditionReasons.InvalidSpec), (ready.Status, ready.Reason));
        Assert.Contains("spec.schedule", ready.Message, StringComparison.Ordinal);
        Assert.Null(plan.WakeAt);
    }

    [Fact]
    public void MaxDeleteExceeded_FailedRunGivesTheEventAndDegradedReason()
    {
        var world = new MirrorWorld(s => s.Interval = "15m", "eu");
        world.Step();
        world.Time.Advance(Minutes(1));
        world.Finish("eu", succeeded: false, reason: SyncJobConditionReasons.MaxDeleteExceeded, error: "the run would delete 430 of 430 keys; maxDelete is 50%");

        world.Step();

        Assert.Contains("nothing was deleted", Assert.Single(world.EventsOf(MirrorEventReasons.MaxDeleteExceeded)).Message, StringComparison.Ordinal);
        Assert.Single(world.EventsOf(MirrorEventReasons.RunFailed));
        Assert.Equal(ReplicaMirrorConditionReasons.MaxDeleteExceeded, world.Condition(ReplicaMirrorConditionTypes.Degraded)!.Reason);
        Assert.Equal(MirrorSyncResult.Failed, world.Status.LastSyncResult);
    }

    [Fact]
    public void RemovedDestination_ItsChildrenAreDeleted()
    {
        var world = new MirrorWorld(s => s.Interval = "15m");
        world.Step();
        world.Mirror.Spec.Destinations.RemoveAt(1);

        var plan = world.Step();

        Assert.Equal("m-ap-1796724000", Assert.Single(plan.Pruned).Metadata.Name);
        Assert.Equal(["eu"], world.Status.Destinations!.Select(d => d.Name));
    }

    [Fact]
    public void ConditionsFlipOnly_LastTransitionTimeKept()
    {
        var world = new MirrorWorld(s => s.Interval = "15m", "eu");
        world.Step();
        var ready = world.Condition(ReplicaMirrorConditionTypes.Ready)!.LastTransitionTime;

        world.At(Minutes(5));

        Assert.Equal(ready, world.Condition(ReplicaMirrorConditionTypes.Ready)!.LastTransitionTime);
        Assert.Equal(1, world.Condition(ReplicaMirrorConditionTypes.Ready)!.ObservedGeneration);
    }
}
