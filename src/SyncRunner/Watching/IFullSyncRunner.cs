namespace Ferry.SyncRunner.Watching;

/// <summary>Runs the full syncs of a watch: in this process (<c>ferry sync --watch</c>, <c>ferry run -f</c>), or as child
/// SyncJobs that the operator starts when the watcher asks (a continuous mirror's watcher pod).</summary>
internal interface IFullSyncRunner
{
    /// <summary>Runs (or has run) one full sync of every destination, started no earlier than the call.</summary>
    /// <param name="reason">Why: <c>start</c>, <c>overflow</c>, <c>watch-limit</c>, <c>error</c>, <c>interval</c>, <c>retry</c>.</param>
    /// <param name="cancellationToken">Cancels it (the watch stops).</param>
    /// <returns>The outcome.</returns>
    Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken);

    /// <summary>Whether a full sync this watch did not start is running now; batches wait for it.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns><see langword="true"/> while one runs.</returns>
    Task<bool> IsBusyAsync(CancellationToken cancellationToken);
}
