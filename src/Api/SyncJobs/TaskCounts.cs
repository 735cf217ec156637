using Ferry.Api.Schema;

namespace Ferry.Api.SyncJobs;

/// <summary>Range tasks of a run by state; <c>total = pending + running + done + failed</c>.</summary>
/// <remarks>Tasks are Lease objects (DESIGN.md, "Distributed work: the lease-coordinated queue").</remarks>
public sealed class TaskCounts
{
    /// <summary>Tasks published so far.</summary>
    [Minimum(0)]
    public long? Total { get; set; }

    /// <summary>Tasks waiting for a worker (including expired ones).</summary>
    [Minimum(0)]
    public long? Pending { get; set; }

    /// <summary>Tasks held by a worker.</summary>
    [Minimum(0)]
    public long? Running { get; set; }

    /// <summary>Tasks finished successfully.</summary>
    [Minimum(0)]
    public long? Done { get; set; }

    /// <summary>Tasks that failed after their attempts.</summary>
    [Minimum(0)]
    public long? Failed { get; set; }
}
