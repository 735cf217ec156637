namespace Ferry.Api.Runs;

/// <summary>Values of the <see cref="RunAnnotations.State"/> annotation of a task Lease.</summary>
public static class TaskStates
{
    /// <summary>Published, not claimed, or released after a failed attempt that has attempts left.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed; the holder renews <c>spec.renewTime</c>. Expired when <c>renewTime +
    /// leaseDurationSeconds</c> has passed, judged by the observer's clock.</summary>
    public const string Running = "running";

    /// <summary>Finished; its counters are final.</summary>
    public const string Done = "done";

    /// <summary>Failed on every allowed attempt; <see cref="RunAnnotations.LastError"/> says why.</summary>
    public const string Failed = "failed";
}
