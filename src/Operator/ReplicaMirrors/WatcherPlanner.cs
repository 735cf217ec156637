using System.Globalization;
using Ferry.Api.ReplicaMirrors;
using k8s;
using k8s.Models;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Decides, without I/O, what a continuous mirror's watcher needs: create the next watcher pod (after a
/// back-off when the last one ended quickly), delete ended, surplus or outdated ones, and the <c>status.continuous</c>
/// fields from the pods and the watcher's Lease.</summary>
/// <remarks>
/// <para>Everything is derived from the objects, so a reconcile after an operator restart decides the same: the next
/// pod's number is one more than the highest seen (in pods or in <c>status.continuous.watcherPod</c>), and the count of
/// watcher pods in a row that ended quickly travels in the pods' <see cref="WatcherPodBuilder.FailuresAnnotation"/>.
/// An ended pod is kept until its successor is created: its <c>finishedAt</c> times the back-off.</para>
/// <para>The back-off follows the kubelet's CrashLoopBackOff: none after a watcher that ran at least
/// <see cref="StableRun"/>, otherwise 10 s doubling up to 5 min. A pod built from an older generation of the mirror is
/// replaced at once (not a failure), and so is one that serves other destinations than the mirror's valid, resumed ones
/// (<see cref="WatcherContract.DestinationsAnnotation"/>: a destination's Secret appeared or vanished).</para>
/// </remarks>
internal static class WatcherPlanner
{
    /// <summary>A watcher that ran at least this long before it ended is restarted without back-off.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(2);

    /// <summary>The first back-off after a watcher pod ended quickly.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(10);

    /// <summary>The longest back-off.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>The destinations a watcher pod serves: those not suspended and without a problem, in spec order.</summary>
    /// <param name="mirror">The mirror.</param>
    /// <param name="validity">What is wrong with its destinations.</param>
    /// <returns>Their names.</returns>
    public static IReadOnlyList<string> Destinations(ReplicaMirror mirror, MirrorValidity validity) =>
        [.. mirror.Spec.Destinations.Where(d => d.Suspend != true && !validity.Destinations.ContainsKey(d.Name)).Select(d => d.Name)];

    /// <summary>Plans the watcher.</summary>
    /// <param name="mirror">The mirror (generation, previous status).</param>
    /// <param name="observed">Its watcher pods and Lease.</param>
    /// <param name="run">Whether a watcher should run (continuous, valid, not suspended, some destination to serve).</param>
    /// <param name="destinations">The destinations it serves (<see cref="Destinations"/>).</param>
    /// <param name="now">The current time.</param>
    /// <returns>The plan.</returns>
    public static WatcherPlan Plan(ReplicaMirror mirror, WatcherObservation observed, bool run, IReadOnlyList<string> destinations, DateTimeOffset now)
    {
        ContinuousStatus? previous = mirror.Status?.Continuous;
        var status = new ContinuousStatus
        {
            WatcherPod = previous?.WatcherPod,
            WatcherRestarts = previous?.WatcherRestarts,
            WatcherFailures = previous?.WatcherFailures,
            LastFullSyncTime = previous?.LastFullSyncTime,
        };
        var plan = new WatcherPlan { Status = status };
        ApplyLease(status, observed.Lease);

        var pods = observed.Pods.Where(p => p.Metadata.Name is not null && WatcherContract.PodNumber(p.Metadata.Name) is not null)
            .OrderBy(p => WatcherContract.PodNumber(p.Metadata.Name!)).ToList();
        var live = pods.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        if (!run)
        {
            plan.Delete.AddRange(live);
            return plan;
        }

        string generation = (mirror.Metadata.Generation ?? 0).ToString(CultureInfo.InvariantCulture);
        var ended = live.Where(Ended).ToList();
        string served = string.Join(',', destinations);
        var outdated = live.Where(p => !Ended(p) && (p.GetAnnotation(WatcherContract.MirrorGenerationAnnotation) != generation
            || p.GetAnnotation(WatcherContract.DestinationsAnnotation) != served)).ToList();
        var current = live.Where(p => !Ended(p) && !outdated.Contains(p)).ToList();
        plan.Delete.AddRange(outdated);
        plan.Delete.AddRange(current.SkipLast(1));
        if (current.LastOrDefault() is { } watcher)
        {
            plan.Delete.AddRange(ended);
            status.WatcherPod = watcher.Metadata.Name;
            status.WatcherRestarts = WatcherContract.PodNumber(watcher.Metadata.Name!);
            status.WatcherFailures = Failures(watcher);
            return plan;
        }

        // No watcher runs: the next one, after a back-off if the newest ended quickly.
        V1Pod? newest = pods.LastOrDefault();
        long highest = Math.Max(newest is null ? -1 : WatcherContract.PodNumber(newest.Metadata.Name!) ?? -1,
            previous?.WatcherPod is { } recorded ? WatcherContract.PodNumber(recorded) ?? -1 : -1);
        long failures = newest is null ? previous?.WatcherFailures ?? 0 : Failures(newest);
        DateTimeOffset notBefore = now;
        if (newest is not null && Ended(newest))
        {
            (DateTimeOffset started, DateTimeOffset finished) = Times(newest, now);
            failures = finished - started >= StableRun ? 0 : failures + 1;
            notBefore = finished + Backoff(failures);
        }

        status.WatcherFailures = failures;
        if (notBefore > now)
        {
            plan.WakeAt = notBefore;
            return plan;
        }

        plan.Delete.AddRange(ended);
        plan.Create = (highest + 1, failures);
        status.WatcherPod = WatcherContract.PodName(mirror.Metadata.Name!, highest + 1);
        status.WatcherRestarts = highest + 1;
        return plan;
    }

    /// <summary>The back-off before the next watcher pod after <paramref name="failures"/> quick ends in a row.</summary>
    /// <param name="failures">Quick ends in a row.</param>
    /// <returns>0, then 10 s doubling up to 5 min.</returns>
    public static TimeSpan Backoff(long failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        TimeSpan delay = InitialBackoff * Math.Pow(2, Math.Min(failures - 1, 20));
        return delay > MaxBackoff ? MaxBackoff : delay;
    }

    /// <summary>The watcher's state from its Lease, or <see langword="null"/>.</summary>
    /// <param name="lease">The Lease, or <see langword="null"/>.</param>
    /// <returns>The state.</returns>
    public static WatcherState? State(V1Lease? lease) => lease is null ? null : WatcherState.Parse(lease.Metadata?.Annotations?.AsReadOnly());

    private static void ApplyLease(ContinuousStatus status, V1Lease? lease)
    {
        if (State(lease) is not { } state)
        {
            return;
        }

        status.PendingChanges = state.PendingChanges;
        status.OldestPendingChangeTime = state.OldestPendingChange;
        status.LastBatchTime = state.LastBatchTime;
        status.LastBatchKeys = state.LastBatchKeys;
        status.FailingKeys = state.FailingKeys;
    }

    private static bool Ended(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    private static long Failures(V1Pod pod) =>
        long.TryParse(pod.GetAnnotation(WatcherPodBuilder.FailuresAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;

    private static (DateTimeOffset Started, DateTimeOffset Finished) Times(V1Pod pod, DateTimeOffset now)
    {
        V1ContainerStateTerminated? terminated = pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated;
        DateTimeOffset finished = terminated?.FinishedAt ?? now;
        DateTimeOffset started = terminated?.StartedAt ?? pod.Status?.StartTime ?? pod.Metadata.CreationTimestamp ?? finished;
        return (started, finished);
    }
}
