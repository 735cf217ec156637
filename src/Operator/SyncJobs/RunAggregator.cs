using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Operator.SyncJobs;

/// <summary>Sums a run's Leases into a <see cref="RunState"/>.</summary>
/// <remarks>The Lease layout is the contract in <c>Ferry.Api.Runs</c>: the role label tells the scan Lease from task
/// Leases; task state, counters and errors are annotations. A running task whose <c>renewTime +
/// leaseDurationSeconds</c> has passed on the observer's clock is counted as pending: any worker may take it over
/// (DESIGN.md, "Distributed work: the lease-coordinated queue").</remarks>
internal static class RunAggregator
{
    /// <summary>Aggregates the Leases of one run.</summary>
    /// <param name="leases">The Leases labelled with the run; others are not filtered out here.</param>
    /// <param name="now">The observer's clock, for lease expiry.</param>
    /// <returns>The run's state.</returns>
    public static RunState Aggregate(IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        V1Lease? scan = null;
        var counters = new TaskCounters();
        long total = 0, pending = 0, running = 0, done = 0, failed = 0;
        var deleteTasks = 0;
        var failedTasks = new List<(string, string?)>();
        foreach (var lease in leases.OrderBy(l => l.Metadata.Name, StringComparer.Ordinal))
        {
            var role = lease.GetLabel(RunLabels.LeaseRole);
            var annotations = new Dictionary<string, string>(lease.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            if (role == LeaseRoles.Scan)
            {
                scan = lease;
                continue;
            }

            if (role is not (LeaseRoles.Copy or LeaseRoles.Delete))
            {
                continue;
            }

            if (role == LeaseRoles.Delete)
            {
                deleteTasks++;
            }

            total++;
            if (TaskCounters.Parse(annotations.GetValueOrDefault(RunAnnotations.Counters)) is { } taskCounters)
            {
                counters.Add(taskCounters);
            }

            switch (annotations.GetValueOrDefault(RunAnnotations.State))
            {
                case TaskStates.Done:
                    done++;
                    break;
                case TaskStates.Failed:
                    failed++;
                    failedTasks.Add((lease.Metadata.Name ?? "", annotations.GetValueOrDefault(RunAnnotations.LastError)));
                    break;
                case TaskStates.Running when !IsExpired(lease.Spec, now):
                    running++;
                    break;
                default:
                    pending++;
                    break;
            }
        }

        var scanAnnotations = new Dictionary<string, string>(scan?.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var scanState = scanAnnotations.GetValueOrDefault(RunAnnotations.ScanState);
        var phase = scan is null || scanState is null
            ? SyncJobPhase.Pending
            : scanState == ScanStates.Done ? SyncJobPhase.Running : SyncJobPhase.Scanning;
        var deleting = phase == SyncJobPhase.Running
            && (deleteTasks > 0 || scanAnnotations.ContainsKey(RunAnnotations.DeleteTasksPublished));
        return new RunState(
            phase,
            deleting,
            scanAnnotations.GetValueOrDefault(RunAnnotations.Outcome),
            scanAnnotations.GetValueOrDefault(RunAnnotations.OutcomeReason),
            scanAnnotations.GetValueOrDefault(RunAnnotations.OutcomeCondition),
            counters,
            new TaskCounts { Total = total, Pending = pending, Running = running, Done = done, Failed = failed },
            failedTasks);
    }

    /// <summary>Whether a held Lease has expired: <c>renewTime + leaseDurationSeconds</c> is in the past (a Lease
    /// without a renewTime counts as expired).</summary>
    /// <param name="spec">The Lease spec.</param>
    /// <param name="now">The observer's clock.</param>
    /// <returns><see langword="true"/> if expired.</returns>
    public static bool IsExpired(V1LeaseSpec? spec, DateTimeOffset now) =>
        spec?.RenewTime is not { } renew
        || renew + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? RunnerContract.DefaultLeaseDurationSeconds) < now;
}
