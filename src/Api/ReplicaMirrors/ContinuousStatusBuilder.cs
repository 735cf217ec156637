using System.Globalization;
using Ferry.Api.Common;
using Ferry.Api.Conditions;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The <c>InSync</c> condition and <c>dataAge</c> of a continuous <see cref="ReplicaMirror"/>: in sync while every
/// destination has had a successful full sync, the watcher reports, and no change waits longer than <c>rpo</c>.</summary>
/// <remarks>
/// <para>A continuous mirror's data is as fresh as its oldest change not yet applied, not as its last full sync:
/// <c>dataAge</c> is the age of <c>status.continuous.oldestPendingChangeTime</c> (<c>0s</c> when nothing waits). Lost
/// events count as a change pending since they were lost, until a full sync that started later has finished. A watcher
/// that has not reported (renewed its Lease) for longer than <c>rpo</c> makes the mirror out of sync: nobody is
/// watching.</para>
/// <para>Used by the operator after <see cref="ReplicaMirrorStatusBuilder.Summarize"/> (whose rule, data age since the
/// last successful run's start, does not fit a continuous mirror), with the condition as it was before, so that
/// <c>lastTransitionTime</c> moves only when this rule flips it.</para>
/// </remarks>
public static class ContinuousStatusBuilder
{
    /// <summary>Sets <c>InSync</c> and <c>dataAge</c> from <c>status.continuous</c> and the destinations' full syncs.</summary>
    /// <param name="mirror">The mirror (which destinations are suspended, generation).</param>
    /// <param name="status">The status, with <c>continuous</c> and <c>destinations</c> filled in.</param>
    /// <param name="previousInSync">The <c>InSync</c> condition before this reconcile, or <see langword="null"/>.</param>
    /// <param name="rpo">The mirror's RPO.</param>
    /// <param name="lastHeartbeat">When the watcher last reported (its Lease's <c>renewTime</c>), or <see langword="null"/>
    /// when no watcher ever did.</param>
    /// <param name="time">The clock.</param>
    /// <returns>When <c>InSync</c> would turn false by itself, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static DateTimeOffset? Apply(ReplicaMirror mirror, ReplicaMirrorStatus status, V1Condition? previousInSync, TimeSpan rpo, DateTimeOffset? lastHeartbeat, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        var now = MirrorTrigger.Truncate(time.GetUtcNow());
        var conditions = status.Conditions ??= [];
        conditions.RemoveAll(c => c.Type == ReplicaMirrorConditionTypes.InSync);
        if (previousInSync is not null)
        {
            conditions.Add(previousInSync);
        }

        var generation = mirror.Metadata.Generation ?? 0;
        var suspended = mirror.Spec.Destinations.Where(d => d.Suspend == true).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var active = (status.Destinations ?? []).Where(d => !suspended.Contains(d.Name)).ToList();
        var continuous = status.Continuous ?? new ContinuousStatus();
        var oldest = continuous.OldestPendingChangeTime;
        status.DataAge = GoDuration.Format(oldest is { } o && now > o ? now - MirrorTrigger.Truncate(o) : TimeSpan.Zero);
        var rpoText = GoDuration.Format(rpo);

        if (mirror.Spec.Suspend == true || mirror.Spec.Destinations.All(d => d.Suspend == true))
        {
            Set(conditions, ConditionStatus.Unknown, ReplicaMirrorConditionReasons.AllSuspended, "every destination is suspended", generation, time);
            return null;
        }

        var failed = active.Where(d => d.LastSuccessfulSyncStartTime is null && d.LastResult?.Result == MirrorSyncResult.Failed).Select(d => d.Name).ToList();
        if (failed.Count > 0)
        {
            Set(conditions, ConditionStatus.False, ReplicaMirrorConditionReasons.SyncFailed, "no successful full sync yet: " + string.Join(", ", failed), generation, time);
            return null;
        }

        var pending = mirror.Spec.Destinations.Where(d => d.Suspend != true && active.FirstOrDefault(a => a.Name == d.Name)?.LastSuccessfulSyncStartTime is null)
            .Select(d => d.Name).ToList();
        if (pending.Count > 0)
        {
            Set(conditions, ConditionStatus.False, ReplicaMirrorConditionReasons.FirstSyncPending, "the first full sync has not finished: " + string.Join(", ", pending), generation, time);
            return null;
        }

        if (lastHeartbeat is not { } heartbeat || now - heartbeat > rpo)
        {
            var since = lastHeartbeat is { } h ? $"since {MirrorChildren.FormatTime(h)} ({GoDuration.Format(now - MirrorTrigger.Truncate(h))} ago)" : "yet";
            Set(conditions, ConditionStatus.False, ReplicaMirrorConditionReasons.WatcherNotRunning,
                $"rpo {rpoText}: no watcher has reported {since}: changes are not being watched", generation, time);
            return null;
        }

        if (oldest is { } first && now - first > rpo)
        {
            Set(conditions, ConditionStatus.False, ReplicaMirrorConditionReasons.ChangesPending, string.Create(CultureInfo.InvariantCulture,
                $"rpo {rpoText}: {continuous.PendingChanges ?? 0} change(s) pending, the oldest seen {GoDuration.Format(now - MirrorTrigger.Truncate(first))} ago"), generation, time);
            return null;
        }

        Set(conditions, ConditionStatus.True, ReplicaMirrorConditionReasons.WithinRpo, $"no change waits longer than rpo {rpoText}", generation, time);
        var flip = heartbeat + rpo;
        return oldest is { } next && next + rpo < flip ? next + rpo : flip;
    }

    private static void Set(List<V1Condition> conditions, string value, string reason, string message, long generation, TimeProvider time) =>
        conditions.SetCondition(new V1Condition { Type = ReplicaMirrorConditionTypes.InSync, Status = value, Reason = reason, Message = message, ObservedGeneration = generation }, time);
}
