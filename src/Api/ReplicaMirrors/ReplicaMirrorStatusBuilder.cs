using System.Globalization;
using Ferry.Api.Common;
using Ferry.Api.Conditions;
using Ferry.Api.SyncJobs;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>Computes a <see cref="ReplicaMirrorStatus"/> from its destinations' runs: records finished child
/// SyncJobs into a destination's status and derives the mirror-wide fields and the <c>InSync</c> and <c>Degraded</c>
/// conditions.</summary>
/// <remarks>Used by the operator's reconciler and by <c>ferry run -f mirror.yaml</c>, so both report a run the same
/// way. Conditions change <c>lastTransitionTime</c> only when their status flips
/// (<see cref="ConditionListExtensions.SetCondition"/>).</remarks>
public static class ReplicaMirrorStatusBuilder
{
    /// <summary>Records a finished child SyncJob as the destination's last run: result, times, counts, totals,
    /// consecutive failures and last error.</summary>
    /// <param name="destination">The destination's status, changed in place.</param>
    /// <param name="child">A finished child (see <see cref="MirrorChildren.IsFinished"/>).</param>
    /// <param name="now">Used as the completion time when the child has none.</param>
    /// <returns>The recorded result.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static MirrorRunResult RecordFinished(MirrorDestinationStatus destination, SyncJob child, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(child);
        var succeeded = MirrorChildren.Succeeded(child);
        var status = child.Status;
        var progress = status?.Progress;
        var completion = MirrorTrigger.Truncate(status?.CompletionTime ?? now);
        var start = MirrorTrigger.Truncate(status?.StartTime ?? child.Metadata.CreationTimestamp ?? MirrorChildren.ScheduledTime(child) ?? completion);
        var condition = status?.Conditions?.FindCondition(succeeded ? SyncJobConditionTypes.Complete : SyncJobConditionTypes.Failed);
        var result = new MirrorRunResult
        {
            SyncJob = child.Metadata.Name ?? "",
            Result = succeeded ? MirrorSyncResult.Succeeded : MirrorSyncResult.Failed,
            ScheduledTime = MirrorChildren.ScheduledTime(child),
            CompletionTime = completion,
            Reason = condition?.Reason,
            Message = succeeded ? null : status?.LastError ?? condition?.Message ?? "the run failed",
            Copied = progress?.Copied ?? 0,
            CopiedBytes = progress?.CopiedBytes ?? 0,
            Deleted = progress?.Deleted ?? 0,
            Failed = progress?.Failed ?? 0,
        };

        destination.LastResult = result;
        destination.LastSyncStartTime = start;
        destination.LastSyncTime = completion;
        destination.LastSyncDuration = GoDuration.Format(completion > start ? completion - start : TimeSpan.Zero);
        var totals = destination.Totals ??= new MirrorDestinationTotals();
        totals.CopiedObjects = (totals.CopiedObjects ?? 0) + result.Copied;
        totals.CopiedBytes = (totals.CopiedBytes ?? 0) + result.CopiedBytes;
        totals.DeletedObjects = (totals.DeletedObjects ?? 0) + result.Deleted;
        if (succeeded)
        {
            totals.SucceededRuns = (totals.SucceededRuns ?? 0) + 1;
            destination.ConsecutiveFailures = 0;
            destination.LastSuccessfulSyncTime = completion;
            destination.LastSuccessfulSyncStartTime = start;
            destination.LastError = null;
        }
        else
        {
            totals.FailedRuns = (totals.FailedRuns ?? 0) + 1;
            destination.ConsecutiveFailures = (destination.ConsecutiveFailures ?? 0) + 1;
            destination.LastError = result.Message;
        }

        return result;
    }

    /// <summary>Derives the mirror-wide fields (<c>lastScheduleTime</c>, <c>lastSyncTime</c>, <c>lastSyncDuration</c>,
    /// <c>lastSyncResult</c>, <c>nextSyncTime</c>, <c>missedIntervals</c>, <c>dataAge</c>) from the destinations' status
    /// and sets the <c>InSync</c> and <c>Degraded</c> conditions.</summary>
    /// <param name="mirror">The mirror (spec: which destinations are suspended; generation).</param>
    /// <param name="status">The status to complete, with its <c>destinations</c> filled in.</param>
    /// <param name="rpo">The RPO (<see cref="MirrorTrigger.Rpo"/>), or <see langword="null"/> for none.</param>
    /// <param name="time">The clock: now, and <c>lastTransitionTime</c> of flipped conditions.</param>
    /// <returns>When <c>InSync</c> would next turn false by itself (the earliest moment an in-sync destination's data
    /// grows older than <paramref name="rpo"/>), or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static DateTimeOffset? Summarize(ReplicaMirror mirror, ReplicaMirrorStatus status, TimeSpan? rpo, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var destinations = status.Destinations ??= [];
        var suspended = mirror.Spec.Destinations.Where(d => d.Suspend == true).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var active = destinations.Where(d => !suspended.Contains(d.Name)).ToList();

        status.LastScheduleTime = destinations.Max(d => d.LastScheduleTime);
        var lastFinished = destinations.Where(d => d.LastSyncTime is not null).MaxBy(d => d.LastSyncTime);
        status.LastSyncTime = lastFinished?.LastSyncTime;
        status.LastSyncDuration = lastFinished?.LastSyncDuration;
        status.NextSyncTime = destinations.Where(d => d.NextSyncTime is not null).Min(d => d.NextSyncTime);
        status.MissedIntervals = destinations.Sum(d => d.Totals?.MissedRuns ?? 0);

        var finished = active.Where(d => d.LastResult is not null).ToList();
        var failed = finished.Where(d => d.LastResult!.Result == MirrorSyncResult.Failed).ToList();
        status.LastSyncResult = finished.Count == 0 ? null
            : failed.Count == 0 ? MirrorSyncResult.Succeeded
            : failed.Count == finished.Count && finished.Count == active.Count ? MirrorSyncResult.Failed
            : MirrorSyncResult.PartiallyFailed;
        status.DataAge = active.Count > 0 && active.All(d => d.LastSuccessfulSyncStartTime is not null)
            ? GoDuration.Format(Max(TimeSpan.Zero, MirrorTrigger.Truncate(now) - active.Min(d => d.LastSuccessfulSyncStartTime)!.Value))
            : null;

        var conditions = status.Conditions ??= [];
        var generation = mirror.Metadata.Generation ?? 0;
        SetDegraded(conditions, failed, finished, active, generation, time);
        return SetInSync(conditions, active, rpo, now, generation, time);
    }

    private static void SetDegraded(List<V1Condition> conditions, List<MirrorDestinationStatus> failed, List<MirrorDestinationStatus> finished,
        List<MirrorDestinationStatus> active, long generation, TimeProvider time)
    {
        if (failed.Count == 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.Degraded, ConditionStatus.False, ReplicaMirrorConditionReasons.Healthy,
                finished.Count == 0 ? "no run has failed" : "the last run of every destination succeeded", generation, time);
            return;
        }

        var reason = failed.Any(d => d.LastResult!.Reason == SyncJobConditionReasons.MaxDeleteExceeded)
            ? ReplicaMirrorConditionReasons.MaxDeleteExceeded
            : failed.Count == active.Count && finished.Count == active.Count ? ReplicaMirrorConditionReasons.SyncFailed : ReplicaMirrorConditionReasons.SyncPartiallyFailed;
        var message = string.Join("; ", failed.Select(d => string.Create(CultureInfo.InvariantCulture,
            $"{d.Name}: {d.ConsecutiveFailures ?? 1} failed run(s) in a row, last {d.LastResult!.SyncJob}: {d.LastError ?? d.LastResult.Reason}")));
        Set(conditions, ReplicaMirrorConditionTypes.Degraded, ConditionStatus.True, reason, message, generation, time);
    }

    private static DateTimeOffset? SetInSync(List<V1Condition> conditions, List<MirrorDestinationStatus> active, TimeSpan? rpo, DateTimeOffset now, long generation, TimeProvider time)
    {
        if (active.Count == 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.Unknown, ReplicaMirrorConditionReasons.AllSuspended, "every destination is suspended", generation, time);
            return null;
        }

        var pending = active.Where(d => d.LastSuccessfulSyncStartTime is null && d.LastResult?.Result != MirrorSyncResult.Failed).Select(d => d.Name).ToList();
        var outOfSync = new List<string>();
        DateTimeOffset? flip = null;
        foreach (var d in active)
        {
            if (rpo is { } limit)
            {
                if (d.LastSuccessfulSyncStartTime is not { } fresh)
                {
                    if (d.LastResult is not null)
                    {
                        outOfSync.Add($"{d.Name}: no successful run yet");
                    }

                    continue;
                }

                var age = now - fresh;
                if (age > limit)
                {
                    outOfSync.Add(string.Create(CultureInfo.InvariantCulture, $"{d.Name}: data {GoDuration.Format(Truncate(age))} old"));
                }
                else if (flip is null || fresh + limit < flip)
                {
                    flip = fresh + limit;
                }
            }
            else if (d.LastResult is { Result: MirrorSyncResult.Failed })
            {
                outOfSync.Add($"{d.Name}: the last run failed");
            }
        }

        var rpoText = rpo is { } r ? GoDuration.Format(r) : null;
        if (outOfSync.Count > 0)
        {
            var reason = rpo is null ? ReplicaMirrorConditionReasons.SyncFailed : ReplicaMirrorConditionReasons.RpoExceeded;
            var message = (rpoText is null ? "" : $"rpo {rpoText}: ") + string.Join("; ", outOfSync);
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.False, reason, message, generation, time);
            return null;
        }

        if (pending.Count > 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.False, ReplicaMirrorConditionReasons.FirstSyncPending,
                "no successful run yet: " + string.Join(", ", pending), generation, time);
            return null;
        }

        Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.True,
            rpo is null ? ReplicaMirrorConditionReasons.SyncSucceeded : ReplicaMirrorConditionReasons.WithinRpo,
            rpo is null ? "the last run of every destination succeeded" : $"every destination's data is within rpo {rpoText}", generation, time);
        return flip;
    }

    private static void Set(List<V1Condition> conditions, string type, string value, string reason, string message, long generation, TimeProvider time) =>
        conditions.SetCondition(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation }, time);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Truncate(TimeSpan value) => TimeSpan.FromSeconds(Math.Floor(value.TotalSeconds));
}
