namespace Ferry.Api.SyncJobs;

/// <summary>Where a <see cref="SyncJob"/> is in its life.</summary>
/// <remarks>A summary of the conditions for people and printer columns; controllers decide from the conditions
/// (Kubernetes API conventions, "Typical status properties").</remarks>
public enum SyncJobPhase
{
    /// <summary>Accepted; no runner pod has started the scan yet (or the run is suspended before starting).</summary>
    Pending,

    /// <summary>The source is being listed and cut into tasks; tasks already published are being worked on.</summary>
    Scanning,

    /// <summary>The scan is done; the remaining tasks (copies, then deletes) are being worked on.</summary>
    Running,

    /// <summary>Every task succeeded.</summary>
    Succeeded,

    /// <summary>The run ended with failures, past its deadline, past <c>backoffLimit</c>, or refused by
    /// <c>maxDelete</c>; <c>lastError</c> and the <c>Failed</c> condition say why.</summary>
    Failed,
}
