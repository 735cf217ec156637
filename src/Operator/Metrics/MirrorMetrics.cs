using System.Diagnostics.Metrics;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;

namespace Ferry.Operator.Metrics;

/// <summary>The <c>ferry_mirror_*</c> instruments: observed at scrape time from the ReplicaMirrors' status, each
/// series labelled with <c>namespace</c>, <c>mirror</c> and <c>destination</c>.</summary>
/// <remarks>Computed from the status (never from counters kept in the operator's memory), so an operator restart
/// neither resets nor freezes them (VolSync #1167): the <c>_total</c> counters are the status'
/// <c>destinations[].totals</c>, the age is measured at scrape time from <c>lastSuccessfulSyncStartTime</c>.</remarks>
internal static class MirrorMetrics
{
    /// <summary>Creates the instruments on <paramref name="meter"/>.</summary>
    /// <param name="meter">The operator's meter.</param>
    /// <param name="mirrors">The mirrors to read, at each scrape.</param>
    /// <param name="time">The clock for the age and in-sync gauges.</param>
    public static void Register(Meter meter, Func<IEnumerable<ReplicaMirror>> mirrors, TimeProvider time)
    {
        meter.CreateObservableGauge("ferry_mirror_last_success_timestamp_seconds",
            () => Observe(mirrors, (_, d) => d.LastSuccessfulSyncTime?.ToUnixTimeSeconds()),
            unit: "s", description: "When the destination's last successful run ended, in seconds since the Unix epoch.");
        meter.CreateObservableGauge("ferry_mirror_data_age_seconds",
            () => Observe(mirrors, (m, d) => DataAge(m, d, time.GetUtcNow())),
            unit: "s", description: "Seconds since the destination's last successful run started (a continuous mirror: since its oldest change not applied yet was seen, 0 when none waits): its data is at least this fresh.");
        meter.CreateObservableGauge("ferry_mirror_in_sync",
            () => Observe(mirrors, (m, d) => InSync(m, d, time.GetUtcNow())),
            description: "1 when the destination is within the mirror's rpo (or, without one, its last run succeeded), else 0.");
        meter.CreateObservableGauge("ferry_mirror_consecutive_failures",
            () => Observe(mirrors, (_, d) => d.ConsecutiveFailures ?? 0),
            description: "Finished runs of the destination in a row that failed.");
        meter.CreateObservableCounter("ferry_mirror_runs_total", () => ObserveRuns(mirrors),
            description: "Finished runs of the destination, by result (succeeded, failed).");
        meter.CreateObservableCounter("ferry_mirror_missed_runs_total",
            () => Observe(mirrors, (_, d) => d.Totals?.MissedRuns ?? 0),
            description: "Slots of the destination that did not run (skipped under Forbid, missed during an outage or suspend, past startingDeadlineSeconds).");
        meter.CreateObservableGauge("ferry_mirror_pending_changes",
            () => ObserveContinuous(mirrors, (_, c) => c.PendingChanges ?? 0),
            description: "A continuous mirror's changed keys gathered by its watcher and not applied yet (failing keys included).");
        meter.CreateObservableGauge("ferry_mirror_change_lag_seconds",
            () => ObserveContinuous(mirrors, (_, c) => c.OldestPendingChangeTime is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0),
            unit: "s", description: "Seconds since a continuous mirror's oldest change not applied yet was seen (0 when none waits): how far its destinations trail the source.");
        meter.CreateObservableCounter("ferry_mirror_copied_bytes_total",
            () => Observe(mirrors, (_, d) => d.Totals?.CopiedBytes ?? 0),
            unit: "By", description: "Bytes copied to the destination by finished runs.");
    }

    private static IEnumerable<Measurement<double>> Observe(Func<IEnumerable<ReplicaMirror>> mirrors, Func<ReplicaMirror, MirrorDestinationStatus, double?> value)
    {
        foreach ((ReplicaMirror? mirror, MirrorDestinationStatus? destination) in Destinations(mirrors))
        {
            if (value(mirror, destination) is { } v)
            {
                yield return new Measurement<double>(v, Tags(mirror, destination.Name));
            }
        }
    }

    private static IEnumerable<Measurement<double>> ObserveContinuous(Func<IEnumerable<ReplicaMirror>> mirrors, Func<ReplicaMirror, ContinuousStatus, double> value)
    {
        foreach (ReplicaMirror mirror in mirrors())
        {
            if (mirror.Spec.Continuous is not null && mirror.Status?.Continuous is { } continuous)
            {
                yield return new Measurement<double>(value(mirror, continuous), [new("namespace", mirror.Metadata.NamespaceProperty), new("mirror", mirror.Metadata.Name)]);
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveRuns(Func<IEnumerable<ReplicaMirror>> mirrors)
    {
        foreach ((ReplicaMirror? mirror, MirrorDestinationStatus? destination) in Destinations(mirrors))
        {
            KeyValuePair<string, object?>[] tags = Tags(mirror, destination.Name);
            yield return new Measurement<long>(destination.Totals?.SucceededRuns ?? 0, [.. tags, new("result", "succeeded")]);
            yield return new Measurement<long>(destination.Totals?.FailedRuns ?? 0, [.. tags, new("result", "failed")]);
        }
    }

    private static IEnumerable<(ReplicaMirror Mirror, MirrorDestinationStatus Destination)> Destinations(Func<IEnumerable<ReplicaMirror>> mirrors)
    {
        foreach (ReplicaMirror mirror in mirrors())
        {
            var names = mirror.Spec.Destinations.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            foreach (MirrorDestinationStatus destination in mirror.Status?.Destinations ?? [])
            {
                if (names.Contains(destination.Name))
                {
                    yield return (mirror, destination);
                }
            }
        }
    }

    /// <summary>The age of a destination's data, as <c>status.dataAge</c> measures it; absent before its first success.</summary>
    private static double? DataAge(ReplicaMirror mirror, MirrorDestinationStatus destination, DateTimeOffset now)
    {
        if (destination.LastSuccessfulSyncStartTime is not { } start)
        {
            return null;
        }

        DateTimeOffset since = mirror.Spec.Continuous is null ? start : mirror.Status?.Continuous?.OldestPendingChangeTime ?? now;
        return Math.Max(0, (now - since).TotalSeconds);
    }

    private static double InSync(ReplicaMirror mirror, MirrorDestinationStatus destination, DateTimeOffset now)
    {
        TimeSpan? rpo;
        try
        {
            rpo = MirrorTrigger.Parse(mirror.Spec).Rpo(mirror.Spec, now);
        }
        catch (FormatException)
        {
            return 0;
        }

        if (rpo is { } continuousRpo && mirror.Spec.Continuous is not null)
        {
            // A continuous mirror is as fresh as its oldest change not applied yet, and only while its watcher reports.
            return destination.LastSuccessfulSyncStartTime is not null
                && mirror.Status?.Conditions?.FindCondition(ReplicaMirrorConditionTypes.InSync)?.Reason != ReplicaMirrorConditionReasons.WatcherNotRunning
                && (mirror.Status?.Continuous?.OldestPendingChangeTime is not { } oldest || now - oldest <= continuousRpo) ? 1 : 0;
        }

        if (rpo is { } limit)
        {
            return destination.LastSuccessfulSyncStartTime is { } start && now - start <= limit ? 1 : 0;
        }

        return destination.LastResult?.Result == MirrorSyncResult.Succeeded ? 1 : 0;
    }

    private static KeyValuePair<string, object?>[] Tags(ReplicaMirror mirror, string destination) =>
    [
        new("namespace", mirror.Metadata.NamespaceProperty),
        new("mirror", mirror.Metadata.Name),
        new("destination", destination),
    ];
}
