namespace Ferry.Api.ReplicaMirrors;

/// <summary>What a <see cref="ReplicaMirror"/> does when a run is due while the previous one is still going.</summary>
/// <remarks>As a batch/v1 CronJob's <c>concurrencyPolicy</c>, without <c>Allow</c>: two runs writing one
/// destination at once would race.</remarks>
public enum ConcurrencyPolicy
{
    /// <summary>Skip the new run and count it in <c>status.missedIntervals</c>.</summary>
    Forbid,

    /// <summary>Stop the running run (delete its child SyncJobs) and start the new one.</summary>
    Replace,
}
