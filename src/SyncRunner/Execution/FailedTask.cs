using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Execution;

/// <summary>A range task that failed for good in a run (after its attempts), or the scan whose listing failed: the run
/// fails with it, and the CLI names it in the summary and in <c>--json</c>'s <c>failedTasks</c>.</summary>
/// <param name="Range">The keys the task covered; for the scan, the run's whole range.</param>
/// <param name="Reason">Why it failed, one line without secrets (the storage error of its last attempt).</param>
public sealed record FailedTask(KeyRange Range, string Reason);
