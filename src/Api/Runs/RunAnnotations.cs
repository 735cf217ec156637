namespace Ferry.Api.Runs;

/// <summary>Annotation keys of the run's Leases: the queue state that <c>coordination.k8s.io/v1</c> Lease specs have
/// no field for.</summary>
/// <remarks>
/// <para>Every change is one update of the whole Lease with the <c>resourceVersion</c> read (a 409 Conflict means
/// another worker won); holder, <c>acquireTime</c>, <c>renewTime</c>, <c>leaseDurationSeconds</c> and
/// <c>leaseTransitions</c> (incremented when a worker takes over a task another worker held) are the Lease spec's
/// own fields. Keys are stored as they are (UTF-8 strings; annotation values may hold any text).</para>
/// <para>Task Lease: <see cref="RangeStart"/>, <see cref="RangeEnd"/>, <see cref="State"/>, <see cref="Attempts"/>,
/// <see cref="LastKey"/>, <see cref="Counters"/>, <see cref="LastError"/>. Scan Lease: <see cref="Cursor"/>,
/// <see cref="ScanState"/>, <see cref="TasksPublished"/>, <see cref="DeleteTasksPublished"/>, <see cref="Outcome"/>,
/// <see cref="OutcomeReason"/>, <see cref="OutcomeCondition"/>.</para>
/// <para>These keys are read and written only through <see cref="TaskLeaseFields"/> and <see cref="ScanLeaseFields"/>
/// (formats in <see cref="LeaseAnnotations"/>), by the runner's queue and the operator alike.</para>
/// </remarks>
public static class RunAnnotations
{
    /// <summary>Task: the inclusive start key of the range (empty string: the beginning of the key space).</summary>
    public const string RangeStart = "ferry.io/range-start";

    /// <summary>Task: the exclusive end key of the range; absent when the range is unbounded.</summary>
    public const string RangeEnd = "ferry.io/range-end";

    /// <summary>Task: one of <see cref="TaskStates"/>.</summary>
    public const string State = "ferry.io/state";

    /// <summary>Task: how many times it was claimed (decimal).</summary>
    public const string Attempts = "ferry.io/attempts";

    /// <summary>Task: the last key finished in order as of the last checkpoint; absent before the first.</summary>
    public const string LastKey = "ferry.io/last-key";

    /// <summary>Task: <see cref="TaskCounters"/> as JSON as of <see cref="LastKey"/> (final once done).</summary>
    public const string Counters = "ferry.io/counters";

    /// <summary>Task: why the last attempt failed (no secrets).</summary>
    public const string LastError = "ferry.io/last-error";

    /// <summary>Scan: the start key of the next task to publish; absent before the scan started.</summary>
    public const string Cursor = "ferry.io/cursor";

    /// <summary>Scan: <c>running</c> or <c>done</c> (no more copy tasks will come).</summary>
    public const string ScanState = "ferry.io/scan-state";

    /// <summary>Scan: how many copy tasks were published (decimal); the next one is numbered with this value.</summary>
    public const string TasksPublished = "ferry.io/tasks";

    /// <summary>Scan: how many delete tasks were published (decimal); absent until published.</summary>
    public const string DeleteTasksPublished = "ferry.io/delete-tasks";

    /// <summary>Scan: the run's outcome, one of <see cref="RunOutcomes"/>; absent while the run goes on.</summary>
    public const string Outcome = "ferry.io/outcome";

    /// <summary>Scan: the human-readable reason of a failed outcome (no secrets).</summary>
    public const string OutcomeReason = "ferry.io/outcome-reason";

    /// <summary>Scan: why a failed outcome failed, the name of a <see cref="RunFailureKind"/> (e.g.
    /// <c>MaxDeleteExceeded</c>; read with <see cref="RunOutcomes.FailureKind"/>).</summary>
    public const string OutcomeCondition = "ferry.io/outcome-condition";
}
