using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;

namespace Ferry.Operator.SyncJobs;

/// <summary>What a SyncJob run's Leases say, summed: the scan's state and outcome, the task counts and counters.</summary>
/// <param name="Phase">Pending (no scan yet), Scanning (scan not done) or Running (scan done).</param>
/// <param name="Deleting">Delete tasks were published and the scan is done: the run is in its delete stage.</param>
/// <param name="Outcome">The scan Lease's <see cref="RunAnnotations.Outcome"/>, or <see langword="null"/> while the run goes on.</param>
/// <param name="OutcomeReason">The human-readable reason of a failed outcome.</param>
/// <param name="OutcomeFailure">Why a failed run failed, as the runners reported it.</param>
/// <param name="Counters">The counters of every task Lease, summed.</param>
/// <param name="Tasks">Task Leases by state (an expired running task counts as pending).</param>
/// <param name="FailedTasks">Names and last errors of the failed task Leases, in name order.</param>
internal sealed record RunState(
    SyncJobPhase Phase,
    bool Deleting,
    string? Outcome,
    string? OutcomeReason,
    RunFailureKind? OutcomeFailure,
    TaskCounters Counters,
    TaskCounts Tasks,
    IReadOnlyList<(string Name, string? LastError)> FailedTasks)
{
    /// <summary>Whether every published task is done (and at least the scan finished).</summary>
    public bool AllTasksDone => Phase == SyncJobPhase.Running && Tasks.Done == Tasks.Total;
}
