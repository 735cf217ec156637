namespace Ferry.SyncRunner.Queue;

/// <summary>The life cycle of a range task (stored in the task Lease's annotations by the Kubernetes queue).</summary>
public enum RangeTaskState
{
    /// <summary>Published, not claimed (or released after a failed attempt).</summary>
    Pending,

    /// <summary>Claimed by a worker that holds its lease.</summary>
    Running,

    /// <summary>Finished successfully.</summary>
    Done,

    /// <summary>Failed on every allowed attempt.</summary>
    Failed,
}
