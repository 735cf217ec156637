using System.Globalization;
using Ferry.Api.Common;
using Ferry.Api.Conditions;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The <c>InSync</c> and <c>Degraded</c> conditions and <c>dataAge</c> of a continuous <see cref="ReplicaMirror"/>:
/// in sync while every destination has had a successful full sync, the watcher reports, and no change waits longer than
/// <c>rpo</c>; degraded while a full sync failed or keys fail in batches.</summary>
/// <remarks>
/// <para>The scheduled mirror's rules (<see cref="ReplicaMirrorStatusBuilder.Summarize"/>) with a continuous mirror's
/// measure of freshness: its data is as fresh as its oldest change not yet applied, not as its last full sync.
/// <c>dataAge</c> is the age of <c>status.continuous.oldestPendingChangeTime</c> (<c>0s</c> when nothing waits), absent
/// until every destination that is not suspended has finished a full sync, as a scheduled mirror's is absent until each
/// has a successful run. Lost events count as a change pending since they were lost, until a full sync that started
/// later has finished.</para>
/// <para><c>InSync</c> uses the scheduled mirror's reasons where the cause is the same: <c>RpoExceeded</c> when a change
/// has waited longer than <c>rpo</c> or a destination's first full sync failed (it has no data within <c>rpo</c>),
/// <c>FirstSyncPending</c> before every first full sync has finished, <c>WithinRpo</c> otherwise; and one of its own,
/// <c>WatcherNotRunning</c>, when the watcher has not reported (renewed its Lease) for longer than <c>rpo</c>: nobody
/// watches, so the age of the data is unknown. <c>Degraded</c> is the scheduled rule over the full syncs (a destination
/// whose last full sync failed), and also true with <c>KeysFailing</c> while keys fail in batches and wait for their
/// retry, as a scheduled run with failed objects fails.</para>
/// <para>Used by the operator after <see cref="ReplicaMirrorStatusBuilder.Summarize"/>, with the conditions as they were
/// before it, so that <c>lastTransitionTime</c> moves only when these rules flip a condition
/// (<see cref="ConditionListExtensions.SetCondition"/>).</para>
/// </remarks>
public static class ContinuousStatusBuilder
{
    /// <summary>Sets <c>InSync</c>, <c>Degraded</c> and <c>dataAge</c> from <c>status.continuous</c> and the destinations'
    /// full syncs.</summary>
    /// <param name="mirror">The mirror (which destinations are suspended, generation).</param>
    /// <param name="status">The status, with <c>continuous</c> and <c>destinations</c> filled in and the conditions of
    /// <see cref="ReplicaMirrorStatusBuilder.Summarize"/>.</param>
    /// <param name="previous">The mirror's conditions before <see cref="ReplicaMirrorStatusBuilder.Summarize"/> changed
    /// them (copies, see <see cref="Snapshot"/>), or <see langword="null"/> for a new status.</param>
    /// <param name="rpo">The mirror's RPO.</param>
    /// <param name="lastHeartbeat">When the watcher last reported (its Lease's <c>renewTime</c>), or <see langword="null"/>
    /// when no watcher ever did.</param>
    /// <param name="time">The clock.</param>
    /// <returns>When <c>InSync</c> would turn false by itself, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static DateTimeOffset? Apply(ReplicaMirror mirror, ReplicaMirrorStatus status, IReadOnlyList<V1Condition>? previous, TimeSpan rpo, DateTimeOffset? lastHeartbeat, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        DateTimeOffset now = MirrorTrigger.Truncate(time.GetUtcNow());
        List<V1Condition> conditions = status.Conditions ??= [];
        long generation = mirror.Metadata.Generation ?? 0;
        var suspended = mirror.Spec.Destinations.Where(d => d.Suspend == true).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var active = mirror.Spec.Destinations.Where(d => d.Suspend != true)
            .Select(d => (status.Destinations ?? []).FirstOrDefault(s => s.Name == d.Name) ?? new MirrorDestinationStatus { Name = d.Name }).ToList();
        ContinuousStatus continuous = status.Continuous ?? new ContinuousStatus();
        DateTimeOffset? oldest = continuous.OldestPendingChangeTime is { } o ? MirrorTrigger.Truncate(o) : (DateTimeOffset?)null;
        status.DataAge = active.Count > 0 && active.All(d => d.LastSuccessfulSyncStartTime is not null)
            ? GoDuration.Format(oldest is { } first && now > first ? now - first : TimeSpan.Zero)
            : null;

        SetDegraded(conditions, previous, continuous, generation, time);
        Restore(conditions, previous, ReplicaMirrorConditionTypes.InSync);
        string rpoText = GoDuration.Format(rpo);
        if (mirror.Spec.Suspend == true || active.Count == 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.Unknown, ReplicaMirrorConditionReasons.AllSuspended, "every destination is suspended", generation, time);
            return null;
        }

        var outOfSync = active.Where(d => d.LastSuccessfulSyncStartTime is null && d.LastResult?.Result == MirrorSyncResult.Failed)
            .Select(d => $"{d.Name}: no successful full sync yet").ToList();
        if (oldest is { } late && now - late > rpo)
        {
            outOfSync.Add(string.Create(CultureInfo.InvariantCulture,
                $"{continuous.PendingChanges ?? 0} change(s) pending, the oldest seen {GoDuration.Format(now - late)} ago"));
        }

        if (outOfSync.Count > 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.False, ReplicaMirrorConditionReasons.RpoExceeded,
                $"rpo {rpoText}: " + string.Join("; ", outOfSync), generation, time);
            return null;
        }

        var pending = active.Where(d => d.LastSuccessfulSyncStartTime is null).Select(d => d.Name).ToList();
        if (pending.Count > 0)
        {
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.False, ReplicaMirrorConditionReasons.FirstSyncPending,
                "the first full sync has not finished: " + string.Join(", ", pending), generation, time);
            return null;
        }

        if (lastHeartbeat is not { } heartbeat || now - MirrorTrigger.Truncate(heartbeat) > rpo)
        {
            string since = lastHeartbeat is { } h ? $"since {MirrorChildren.FormatTime(h)} ({GoDuration.Format(now - MirrorTrigger.Truncate(h))} ago)" : "yet";
            Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.False, ReplicaMirrorConditionReasons.WatcherNotRunning,
                $"rpo {rpoText}: no watcher has reported {since}: changes are not being watched", generation, time);
            return null;
        }

        Set(conditions, ReplicaMirrorConditionTypes.InSync, ConditionStatus.True, ReplicaMirrorConditionReasons.WithinRpo, $"no change waits longer than rpo {rpoText}", generation, time);
        DateTimeOffset flip = MirrorTrigger.Truncate(heartbeat) + rpo;
        return oldest is { } next && next + rpo < flip ? next + rpo : flip;
    }

    /// <summary>Copies of the conditions, to pass as <c>previous</c> to <see cref="Apply"/> (the builders change the
    /// entries of the list in place).</summary>
    /// <param name="conditions">The conditions, or <see langword="null"/>.</param>
    /// <returns>The copies, or <see langword="null"/>.</returns>
    public static IReadOnlyList<V1Condition>? Snapshot(IEnumerable<V1Condition>? conditions) =>
        conditions?.Select(c => new V1Condition
        {
            Type = c.Type,
            Status = c.Status,
            Reason = c.Reason,
            Message = c.Message,
            ObservedGeneration = c.ObservedGeneration,
            LastTransitionTime = c.LastTransitionTime,
        }).ToList();

    /// <summary>Degraded while keys fail in batches, unless a failed full sync already makes it so.</summary>
    private static void SetDegraded(List<V1Condition> conditions, IReadOnlyList<V1Condition>? previous, ContinuousStatus continuous, long generation, TimeProvider time)
    {
        if (continuous.FailingKeys is not > 0 || conditions.FindCondition(ReplicaMirrorConditionTypes.Degraded) is { Status: ConditionStatus.True })
        {
            return;
        }

        Restore(conditions, previous, ReplicaMirrorConditionTypes.Degraded);
        Set(conditions, ReplicaMirrorConditionTypes.Degraded, ConditionStatus.True, ReplicaMirrorConditionReasons.KeysFailing, string.Create(CultureInfo.InvariantCulture,
            $"{continuous.FailingKeys} key(s) failed in batches and are retried with back-off (the watcher's log names them)"), generation, time);
    }

    /// <summary>Puts back the condition of <paramref name="type"/> as it was before the scheduled rules changed it.</summary>
    private static void Restore(List<V1Condition> conditions, IReadOnlyList<V1Condition>? previous, string type)
    {
        int index = conditions.FindIndex(c => c.Type == type);
        if (previous?.FindCondition(type) is not { } before)
        {
            if (index >= 0)
            {
                conditions.RemoveAt(index);
            }

            return;
        }

        V1Condition copy = Snapshot([before])![0];
        if (index >= 0)
        {
            conditions[index] = copy;
        }
        else
        {
            conditions.Add(copy);
        }
    }

    private static void Set(List<V1Condition> conditions, string type, string value, string reason, string message, long generation, TimeProvider time) =>
        conditions.SetCondition(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation }, time);
}
