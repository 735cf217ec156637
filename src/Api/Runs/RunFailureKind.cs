namespace Ferry.Api.Runs;

/// <summary>Why a run failed, as the runners decide it: the engine reports one of these, the scan Lease carries its name
/// in <see cref="RunAnnotations.OutcomeCondition"/>, and only the API side turns it into a SyncJob's <c>Failed</c>
/// condition reason (<see cref="SyncJobs.SyncJobStatusBuilder.FailureReason"/>).</summary>
/// <remarks>The names are the wire values of the annotation (and equal to the condition reasons they become), so that
/// runners and an operator of either side of this change read each other.</remarks>
public enum RunFailureKind
{
    /// <summary>Some objects or range tasks failed after their retries (also a failed listing).</summary>
    ObjectsFailed,

    /// <summary>The run stopped early because <c>maxFailures</c> objects failed.</summary>
    MaxFailuresReached,

    /// <summary>The run would have deleted more than <c>maxDelete</c> destination keys, and deleted nothing.</summary>
    MaxDeleteExceeded,
}
