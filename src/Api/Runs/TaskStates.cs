namespace Ferry.Api.Runs;

/// <summary>Values of the <see cref="RunAnnotations.State"/> annotation of a task Lease.</summary>
public static class TaskStates
{
    /// <summary>Published, not claimed, or released after a failed attempt that has attempts left.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed; the holder renews <c>spec.renewTime</c>. Expired once a reader has seen the Lease's record
    /// unchanged for <c>leaseDurationSeconds</c> on its own clock (<see cref="Kube.Leases.LeaseObserver"/>; never
    /// <c>renewTime</c> against the reader's clock); then any worker may take it over.</summary>
    public const string Running = "running";

    /// <summary>Finished; its counters are final.</summary>
    public const string Done = "done";

    /// <summary>Failed on every allowed attempt; <see cref="RunAnnotations.LastError"/> says why.</summary>
    public const string Failed = "failed";
}
