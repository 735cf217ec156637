using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Leases;
using k8s.Models;

namespace Ferry.Operator.SyncJobs;

/// <summary>Sums a run's Leases into a <see cref="RunState"/>.</summary>
/// <remarks>The Lease layout is the contract in <c>Ferry.Api.Runs</c>, read through its codec: the role label tells the
/// scan Lease from task Leases (<see cref="RunLeases.Role"/>); task state, counters and errors come from
/// <see cref="TaskLeaseFields"/>, the scan's state and the outcome from <see cref="ScanLeaseFields"/>. A running task
/// that has expired by the operator's own observation (<see cref="LeaseObserver"/>: its record unchanged for
/// <c>leaseDurationSeconds</c> on the operator's clock) is counted as pending: any worker may take it over (DESIGN.md,
/// "Distributed work: the lease-coordinated queue"). The holder's <c>renewTime</c> is never compared with the
/// operator's clock, so skew between the nodes changes nothing.</remarks>
internal static class RunAggregator
{
    /// <summary>Aggregates the Leases of one run.</summary>
    /// <param name="leases">The Leases labelled with the run; others are not filtered out here.</param>
    /// <param name="observer">The operator's observations of the Leases, for expiry; each Lease is observed.</param>
    /// <returns>The run's state.</returns>
    public static RunState Aggregate(IEnumerable<V1Lease> leases, LeaseObserver observer)
    {
        ScanLeaseFields? scan = null;
        var counters = new TaskCounters();
        long total = 0, pending = 0, running = 0, done = 0, failed = 0;
        var deleteTasks = 0;
        var failedTasks = new List<(string, string?)>();
        foreach (var lease in leases.OrderBy(l => l.Metadata.Name, StringComparer.Ordinal))
        {
            var role = RunLeases.Role(lease);
            if (role == LeaseRoles.Scan)
            {
                scan = new ScanLeaseFields(lease);
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
            var task = new TaskLeaseFields(lease);
            if (task.Counters is { } taskCounters)
            {
                counters.Add(taskCounters);
            }

            switch (task.State)
            {
                case TaskStates.Done:
                    done++;
                    break;
                case TaskStates.Failed:
                    failed++;
                    failedTasks.Add((lease.Metadata.Name ?? "", task.LastError));
                    break;
                case TaskStates.Running when !observer.IsExpired(lease):
                    running++;
                    break;
                default:
                    pending++;
                    break;
            }
        }

        var phase = scan?.ScanState is null
            ? SyncJobPhase.Pending
            : scan.IsDone ? SyncJobPhase.Running : SyncJobPhase.Scanning;
        var deleting = phase == SyncJobPhase.Running
            && (deleteTasks > 0 || scan?.DeleteTasksPublished is not null);
        return new RunState(
            phase,
            deleting,
            scan?.Outcome,
            scan?.OutcomeReason,
            scan?.OutcomeFailure,
            counters,
            new TaskCounts { Total = total, Pending = pending, Running = running, Done = done, Failed = failed },
            failedTasks);
    }
}
