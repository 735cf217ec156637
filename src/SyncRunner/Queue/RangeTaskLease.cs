namespace Ferry.SyncRunner.Queue;

/// <summary>A worker's claim on a task; a worker that loses it must stop working on the task.</summary>
/// <param name="Task">The task as claimed (its <see cref="RangeTask.LastKey"/> and counters say where to resume).</param>
/// <param name="HolderIdentity">The worker holding the lease.</param>
public sealed record RangeTaskLease(RangeTask Task, string HolderIdentity);
