using System.Globalization;
using System.Text.Json;
using Ferry.Api.Common;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Decides, without I/O, what a reconcile of a ReplicaMirror does: which finished runs to record, which
/// destinations start a run for which slot, which slots are skipped or missed, which children to delete, and the
/// status to write.</summary>
/// <remarks>
/// <para>Each destination is scheduled on its own with the mirror's trigger (<see cref="MirrorTrigger"/>): its
/// <c>lastScheduleTime</c> is the last slot it dealt with, its children carry the slot they serve
/// (<see cref="MirrorLabels.ScheduledTime"/>), and a child's name is derived from the slot, so the decision can be
/// taken again after a restart without creating a second child (controller-runtime: level-triggered, idempotent).</para>
/// <para>A due slot of a busy destination is skipped and counted under <c>Forbid</c>, or replaces the running child
/// under <c>Replace</c> (batch/v1 CronJob <c>concurrencyPolicy</c>). Due destinations beyond
/// <c>maxParallelDestinations</c> wait, oldest slot first. A manual token starts one run of each destination; under
/// <c>Forbid</c> it waits for the running one. In back-to-back mode a destination's next run is due when its last one
/// ended, after <see cref="BackToBackBackoff"/> when that one failed.</para>
/// </remarks>
internal static class MirrorPlanner
{
    /// <summary>The first back-off after a failed run in back-to-back mode.</summary>
    public static readonly TimeSpan BackToBackInitialBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The longest back-off in back-to-back mode.</summary>
    public static readonly TimeSpan BackToBackMaxBackoff = TimeSpan.FromMinutes(10);

    /// <summary>Plans one reconcile.</summary>
    /// <param name="mirror">The mirror as cached (spec, status, metadata).</param>
    /// <param name="children">The child SyncJobs the mirror controls (any order).</param>
    /// <param name="validity">What is wrong with the spec and its references.</param>
    /// <param name="time">The clock: now, and condition transition times.</param>
    /// <param name="watcher">For a continuous mirror: its watcher pods and Lease.</param>
    /// <returns>The plan.</returns>
    public static MirrorPlan Plan(ReplicaMirror mirror, IReadOnlyList<SyncJob> children, MirrorValidity validity, TimeProvider time, WatcherObservation? watcher = null)
    {
        DateTimeOffset now = MirrorTrigger.Truncate(time.GetUtcNow());
        ReplicaMirrorSpec spec = mirror.Spec;
        long generation = mirror.Metadata.Generation ?? 0;
        ReplicaMirrorStatus status = Clone(mirror.Status);
        status.ObservedGeneration = generation;
        status.Conditions ??= [];
        var plan = new MirrorPlan { Status = status };

        MirrorTrigger? trigger = null;
        try
        {
            trigger = MirrorTrigger.Parse(spec);
        }
        catch (FormatException e)
        {
            validity = new MirrorValidity(new MirrorProblem(SyncJobConditionReasons.InvalidSpec, e.Message), validity.Destinations);
        }

        if (validity.Mirror is not null)
        {
            trigger = null;
        }

        // A continuous mirror's full syncs are due when its watcher asks (at its start, after lost events) and every
        // fullSyncInterval (ContinuousPlanning).
        DateTimeOffset? requested = WatcherPlanner.State(watcher?.Lease)?.FullSyncRequested is { } asked ? MirrorTrigger.Truncate(asked) : (DateTimeOffset?)null;

        DateTimeOffset created = MirrorTrigger.Truncate(mirror.Metadata.CreationTimestamp ?? now);
        var old = (mirror.Status?.Destinations ?? []).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var byDestination = children
            .GroupBy(c => c.GetLabel(MirrorLabels.Destination) ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(c => MirrorChildren.ScheduledTime(c)).ThenBy(c => c.Metadata.Name, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        int running = spec.Destinations.Sum(d => byDestination.GetValueOrDefault(d.Name)?.Count(IsRunning) ?? 0);
        int maxParallel = spec.MaxParallelDestinations ?? spec.Destinations.Count;
        var candidates = new List<Candidate>();
        var destinations = new List<MirrorDestinationStatus>();
        var missedNotes = new List<string>();

        foreach (MirrorDestination destination in spec.Destinations)
        {
            MirrorDestinationStatus ds = old.TryGetValue(destination.Name, out MirrorDestinationStatus? previous) ? Clone(previous) : new MirrorDestinationStatus { Name = destination.Name };
            destinations.Add(ds);
            List<SyncJob> kids = byDestination.GetValueOrDefault(destination.Name) ?? [];
            RecordFinished(plan, ds, kids, now);

            SyncJob? active = kids.LastOrDefault(IsRunning);
            ds.Active = active?.Metadata.Name;
            ds.Phase = (active ?? kids.LastOrDefault())?.Status?.Phase ?? (active is null ? ds.Phase : SyncJobPhase.Pending);
            if (active is not null)
            {
                ds.LastSyncStartTime = MirrorTrigger.Truncate(active.Status?.StartTime ?? active.Metadata.CreationTimestamp ?? MirrorChildren.ScheduledTime(active) ?? now);
            }

            ds.LastScheduleTime = Max(ds.LastScheduleTime, kids.Select(MirrorChildren.ScheduledTime).Max());
            MirrorProblem? problem = validity.Mirror ?? validity.Destinations.GetValueOrDefault(destination.Name);
            string? waitingChild = active?.Status?.Conditions?.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False } childInvalid
                ? childInvalid.Message
                : null;
            ds.LastError = problem?.Message ?? waitingChild ?? (ds.LastResult is { Result: MirrorSyncResult.Failed } failed ? failed.Message ?? ds.LastError : null);
            ds.NextSyncTime = null;
            if (trigger is null || problem is not null || spec.Suspend == true || destination.Suspend == true)
            {
                continue;
            }

            SlotDecision decision = Decide(trigger, ds, active, created, now, requested);
            ds.NextSyncTime = decision.Next;
            string? manual = spec.ManualTrigger is { } token && token != ds.LastManualTrigger ? token : null;
            if (decision.Consumed is not null || manual is not null)
            {
                candidates.Add(new Candidate(destination, ds, active, decision, manual));
            }
        }

        foreach (Candidate? c in candidates.OrderBy(c => c.Decision.Run ?? c.Decision.Consumed ?? now).ThenBy(c => spec.Destinations.IndexOf(c.Destination)))
        {
            MirrorDestinationStatus ds = c.Status;
            SlotDecision decision = c.Decision;
            if (decision.Run is null && decision.Consumed is { } late && c.Manual is null)
            {
                // The latest slot was noticed past startingDeadlineSeconds: it does not run, scheduling goes on.
                ds.LastScheduleTime = late;
                AddMissed(ds, decision.Missed);
                missedNotes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{ds.Name}: {decision.Missed} slot(s) up to {MirrorChildren.FormatTime(late)} (noticed {GoDuration.Format(now - late)} late, past startingDeadlineSeconds {trigger!.StartingDeadline!.Value.TotalSeconds:0})"));
                continue;
            }

            DateTimeOffset slot = decision.Run ?? now;
            if (ds.LastScheduleTime is { } cursor && slot <= cursor)
            {
                slot = cursor + TimeSpan.FromSeconds(1);
            }

            ConcurrencyPolicy policy = c.Destination.ConcurrencyPolicy ?? spec.ConcurrencyPolicy ?? ConcurrencyPolicy.Forbid;
            if (c.Active is { } busy)
            {
                if (policy == ConcurrencyPolicy.Forbid)
                {
                    if (decision.Run is { } skipped)
                    {
                        ds.LastScheduleTime = skipped;
                        AddMissed(ds, decision.Missed + 1);
                        plan.Events.Add(new MirrorEvent(true, MirrorEventReasons.RunSkipped, string.Create(CultureInfo.InvariantCulture,
                            $"destination {ds.Name}: skipped the run of slot {MirrorChildren.FormatTime(skipped)}: {busy.Metadata.Name} is still running (concurrencyPolicy Forbid)")));
                    }

                    // A manual token waits for the running child.
                    continue;
                }

                plan.Replaced.Add(busy);
                running--;
                plan.Events.Add(new MirrorEvent(false, MirrorEventReasons.RunReplaced,
                    $"destination {ds.Name}: deleted the running {busy.Metadata.Name} to start the run of slot {MirrorChildren.FormatTime(slot)} (concurrencyPolicy Replace)"));
            }

            if (running >= maxParallel)
            {
                // Due, waiting for a place among maxParallelDestinations; decided again when a run ends.
                ds.NextSyncTime = slot;
                continue;
            }

            string triggerName = decision.Run is null ? "manual" : trigger!.AnnotationValue;
            SyncJob child = MirrorChildren.Build(mirror, c.Destination, slot, triggerName, c.Manual);
            plan.Starts.Add(child);
            running++;
            plan.Significant = true;
            if (decision.Missed > 0)
            {
                AddMissed(ds, decision.Missed);
                missedNotes.Add(string.Create(CultureInfo.InvariantCulture, $"{ds.Name}: {decision.Missed} slot(s) before {MirrorChildren.FormatTime(slot)}"));
            }

            ds.LastScheduleTime = slot;
            ds.LastSyncStartTime = now;
            ds.Active = child.Metadata.Name;
            ds.Phase = SyncJobPhase.Pending;
            if (c.Manual is not null)
            {
                ds.LastManualTrigger = c.Manual;
            }

            // The next slot counts from this run (an interval restarts at a manual run).
            ds.NextSyncTime = trigger!.Kind is MirrorTriggerKind.Schedule or MirrorTriggerKind.Interval
                ? trigger.Decide(slot, created, now).Next
                : null;
        }

        if (missedNotes.Count > 0)
        {
            plan.Events.Add(new MirrorEvent(true, MirrorEventReasons.MissedSchedule,
                "slots passed without a run (operator not running, suspended, or noticed too late); only the latest of each destination runs: " + string.Join("; ", missedNotes)));
        }

        PlanPruning(plan, mirror, old, byDestination);
        status.Destinations = destinations;
        if (spec.ManualTrigger is { } echoed && spec.Suspend != true
            && spec.Destinations.Where(d => d.Suspend != true).All(d => destinations.First(s => s.Name == d.Name).LastManualTrigger == echoed))
        {
            status.LastManualTrigger = echoed;
        }

        if (spec.Continuous is not null || watcher?.Pods.Count > 0)
        {
            IReadOnlyList<string> served = WatcherPlanner.Destinations(mirror, validity);
            bool run = spec.Continuous is not null && trigger is not null && spec.Suspend != true && served.Count > 0;
            plan.Watcher = WatcherPlanner.Plan(mirror, watcher ?? WatcherObservation.None, run, served, now);
            plan.Significant |= plan.Watcher.Create is not null || plan.Watcher.Delete.Count > 0;
            status.Continuous = spec.Continuous is null ? null : plan.Watcher.Status;
        }

        SetReady(status, validity, generation, time);
        Set(status, ReplicaMirrorConditionTypes.Suspended, spec.Suspend == true ? ConditionStatus.True : ConditionStatus.False,
            spec.Suspend == true ? ReplicaMirrorConditionReasons.SuspendedBySpec : ReplicaMirrorConditionReasons.Resumed,
            spec.Suspend == true ? "spec.suspend is true: no new runs start" : "spec.suspend is false", generation, time);
        TimeSpan? rpo = trigger?.Rpo(spec, now);
        IReadOnlyList<V1Condition>? conditionsBefore = ContinuousStatusBuilder.Snapshot(status.Conditions);
        DateTimeOffset? flip = ReplicaMirrorStatusBuilder.Summarize(mirror, status, rpo, time);
        if (trigger?.Kind == MirrorTriggerKind.Continuous && rpo is { } continuousRpo && status.Continuous is { } continuous)
        {
            var active = destinations.Where(d => spec.Destinations.Any(s => s.Name == d.Name && s.Suspend != true)).ToList();
            continuous.LastFullSyncTime = active.Count > 0 && active.All(d => d.LastSuccessfulSyncStartTime is not null)
                ? active.Min(d => d.LastSuccessfulSyncStartTime)
                : continuous.LastFullSyncTime;
            flip = ContinuousStatusBuilder.Apply(mirror, status, conditionsBefore, continuousRpo, watcher?.Lease?.Spec?.RenewTime, time);
        }

        flip = Min(flip, plan.Watcher?.WakeAt);
        // A destination waiting for a place (nextSyncTime <= now) is looked at again when a run ends.
        plan.WakeAt = Min(destinations.Where(d => d.NextSyncTime > now).Min(d => d.NextSyncTime), flip);

        return plan;
    }

    /// <summary>The back-off before the next back-to-back run after <paramref name="consecutiveFailures"/> failed runs:
    /// 0, then 30 s doubling up to 10 min.</summary>
    /// <param name="consecutiveFailures">Failed runs in a row.</param>
    /// <returns>The delay.</returns>
    public static TimeSpan BackToBackBackoff(long consecutiveFailures)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        long doublings = Math.Min(consecutiveFailures - 1, 20);
        TimeSpan delay = BackToBackInitialBackoff * Math.Pow(2, doublings);
        return delay > BackToBackMaxBackoff ? BackToBackMaxBackoff : delay;
    }

    private static SlotDecision Decide(MirrorTrigger trigger, MirrorDestinationStatus ds, SyncJob? active, DateTimeOffset created, DateTimeOffset now, DateTimeOffset? requested)
    {
        switch (trigger.Kind)
        {
            case MirrorTriggerKind.Continuous when active is null:
                return DecideFullSync(trigger.Continuous!, ds, now, requested);
            case MirrorTriggerKind.Schedule or MirrorTriggerKind.Interval:
                return trigger.Decide(ds.LastScheduleTime, created, now);
            case MirrorTriggerKind.BackToBack when active is null:
                DateTimeOffset due;
                if (ds.LastResult?.CompletionTime is { } ended)
                {
                    due = ended + BackToBackBackoff(ds.ConsecutiveFailures ?? 0);
                    if (ds.LastScheduleTime is { } cursor && due <= cursor)
                    {
                        due = cursor + TimeSpan.FromSeconds(1);
                    }
                }
                else
                {
                    due = ds.LastScheduleTime is { } cursor ? cursor + TimeSpan.FromSeconds(1) : created;
                }

                return due <= now ? new SlotDecision(due, due, 0, null) : new SlotDecision(null, null, 0, due);
            default:
                return default;
        }
    }

    /// <summary>A continuous mirror's next full sync of one destination: the watcher's request when it came after the
    /// destination's last full sync started (slot: the request), else <c>fullSyncInterval</c> after that start. None before
    /// a watcher asked for the first one: a full sync before the watcher watches could miss changes.</summary>
    private static SlotDecision DecideFullSync(ContinuousSettings continuous, MirrorDestinationStatus ds, DateTimeOffset now, DateTimeOffset? requested)
    {
        DateTimeOffset? due = requested is { } r && (ds.LastScheduleTime is not { } last || r > last) ? r : null;
        if (continuous.FullSyncInterval > TimeSpan.Zero && ds.LastScheduleTime is { } previous)
        {
            due = Min(due, previous + continuous.FullSyncInterval);
        }

        return due is { } slot && slot <= now ? new SlotDecision(slot, slot, 0, null) : new SlotDecision(null, null, 0, due);
    }

    private static void RecordFinished(MirrorPlan plan, MirrorDestinationStatus ds, List<SyncJob> kids, DateTimeOffset now)
    {
        foreach (SyncJob? child in kids.Where(MirrorChildren.IsFinished))
        {
            DateTimeOffset? scheduled = MirrorChildren.ScheduledTime(child);
            if (ds.LastResult is { } last && (child.Metadata.Name == last.SyncJob || scheduled <= last.ScheduledTime))
            {
                continue;
            }

            MirrorRunResult result = ReplicaMirrorStatusBuilder.RecordFinished(ds, child, now);
            plan.Significant = true;
            if (result.Result == MirrorSyncResult.Succeeded)
            {
                plan.Events.Add(new MirrorEvent(false, MirrorEventReasons.RunSucceeded, string.Create(CultureInfo.InvariantCulture,
                    $"destination {ds.Name}: {result.SyncJob} succeeded in {ds.LastSyncDuration}: {result.Copied} object(s) copied ({result.CopiedBytes} bytes), {result.Deleted} deleted")));
                continue;
            }

            plan.Events.Add(new MirrorEvent(true, MirrorEventReasons.RunFailed, string.Create(CultureInfo.InvariantCulture,
                $"destination {ds.Name}: {result.SyncJob} failed ({result.Reason}): {result.Message}; {ds.ConsecutiveFailures} failed run(s) in a row")));
            if (result.Reason == SyncJobConditionReasons.MaxDeleteExceeded)
            {
                plan.Events.Add(new MirrorEvent(true, MirrorEventReasons.MaxDeleteExceeded,
                    $"destination {ds.Name}: nothing was deleted: {result.Message}. Check that the source was not emptied by accident; raise spec.maxDelete if the deletions are intended"));
            }
        }
    }

    private static void PlanPruning(MirrorPlan plan, ReplicaMirror mirror, Dictionary<string, MirrorDestinationStatus> recorded, Dictionary<string, List<SyncJob>> byDestination)
    {
        ReplicaMirrorSpec spec = mirror.Spec;
        int keepSucceeded = spec.SuccessfulRunsHistoryLimit ?? ReplicaMirrorSpec.DefaultSuccessfulRunsHistoryLimit;
        int keepFailed = spec.FailedRunsHistoryLimit ?? ReplicaMirrorSpec.DefaultFailedRunsHistoryLimit;
        var names = spec.Destinations.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach ((string? destination, List<SyncJob>? kids) in byDestination)
        {
            if (!names.Contains(destination))
            {
                var gone = kids.Where(k => k.Metadata.DeletionTimestamp is null).ToList();
                if (gone.Count > 0)
                {
                    plan.Pruned.AddRange(gone);
                    plan.Events.Add(new MirrorEvent(false, MirrorEventReasons.DestinationRemoved,
                        $"destination {(destination.Length == 0 ? "(unlabelled)" : destination)} is no longer in the spec: deleting its {gone.Count} SyncJob(s)"));
                }

                continue;
            }

            // Only children whose result the stored status already holds may go: the status must never lose a run.
            if (recorded.GetValueOrDefault(destination)?.LastResult?.ScheduledTime is not { } upTo)
            {
                continue;
            }

            var finished = kids.Where(k => MirrorChildren.IsFinished(k) && k.Metadata.DeletionTimestamp is null && MirrorChildren.ScheduledTime(k) <= upTo)
                .OrderByDescending(k => MirrorChildren.ScheduledTime(k)).ThenByDescending(k => k.Metadata.Name, StringComparer.Ordinal).ToList();
            plan.Pruned.AddRange(finished.Where(MirrorChildren.Succeeded).Skip(keepSucceeded));
            plan.Pruned.AddRange(finished.Where(k => !MirrorChildren.Succeeded(k)).Skip(keepFailed));
        }
    }

    private static void SetReady(ReplicaMirrorStatus status, MirrorValidity validity, long generation, TimeProvider time)
    {
        if (validity.Mirror is { } whole)
        {
            Set(status, ReplicaMirrorConditionTypes.Ready, ConditionStatus.False, whole.Reason, whole.Message + "; no destination runs", generation, time);
        }
        else if (validity.Destinations.Count > 0)
        {
            KeyValuePair<string, MirrorProblem> first = validity.Destinations.OrderBy(p => p.Key, StringComparer.Ordinal).First();
            string message = string.Join("; ", validity.Destinations.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"destination {p.Key} does not run: {p.Value.Message}"));
            Set(status, ReplicaMirrorConditionTypes.Ready, ConditionStatus.False, first.Value.Reason, message, generation, time);
        }
        else
        {
            Set(status, ReplicaMirrorConditionTypes.Ready, ConditionStatus.True, ReplicaMirrorConditionReasons.Valid,
                "the spec is valid and every referenced Secret, ConfigMap and PersistentVolumeClaim exists", generation, time);
        }
    }

    private static void AddMissed(MirrorDestinationStatus ds, long missed)
    {
        if (missed <= 0)
        {
            return;
        }

        MirrorDestinationTotals totals = ds.Totals ??= new MirrorDestinationTotals();
        totals.MissedRuns = (totals.MissedRuns ?? 0) + missed;
    }

    private static bool IsRunning(SyncJob child) => !MirrorChildren.IsFinished(child) && child.Metadata.DeletionTimestamp is null;

    private static void Set(ReplicaMirrorStatus status, string type, string value, string reason, string message, long generation, TimeProvider time) =>
        status.Conditions!.SetCondition(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation }, time);

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static ReplicaMirrorStatus Clone(ReplicaMirrorStatus? status) =>
        status is null
            ? new ReplicaMirrorStatus()
            : JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(status, ApiJsonContext.Default.ReplicaMirrorStatus), ApiJsonContext.Default.ReplicaMirrorStatus)!;

    private static MirrorDestinationStatus Clone(MirrorDestinationStatus status) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(status, ApiJsonContext.Default.MirrorDestinationStatus), ApiJsonContext.Default.MirrorDestinationStatus)!;

    private sealed record Candidate(MirrorDestination Destination, MirrorDestinationStatus Status, SyncJob? Active, SlotDecision Decision, string? Manual);
}
