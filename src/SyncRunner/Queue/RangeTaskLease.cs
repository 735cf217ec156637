namespace Ferry.SyncRunner.Queue;

/// <summary>A worker's claim on a task; a worker that loses it must stop working on the task.</summary>
/// <param name="Task">The task as claimed (its <see cref="RangeTask.LastKey"/> and counters say where to resume).</param>
/// <param name="HolderIdentity">The worker holding the lease.</param>
public sealed record RangeTaskLease(RangeTask Task, string HolderIdentity)
{
    /// <summary>Cancelled when the lease is lost (a renewal found another holder or the Lease gone): the holder stops
    /// work on the task without failing it; its new holder redoes the keys after the last checkpoint.
    /// <value>Default: <see cref="CancellationToken.None"/> (an in-process lease is never lost).</value></summary>
    public CancellationToken Lost { get; init; }
}
