using Ferry.Api.Schema;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>Cumulative counts of one <see cref="ReplicaMirror"/> destination since the mirror was created.</summary>
/// <remarks>The operator's <c>ferry_mirror_*_total</c> counters are read from these, so an operator restart never
/// resets or freezes them (VolSync #1167).</remarks>
public sealed class MirrorDestinationTotals
{
    /// <summary>Runs that succeeded.</summary>
    [Minimum(0)]
    public long? SucceededRuns { get; set; }

    /// <summary>Runs that failed.</summary>
    [Minimum(0)]
    public long? FailedRuns { get; set; }

    /// <summary>Slots that did not run: skipped under <c>Forbid</c>, noticed too late for
    /// <c>startingDeadlineSeconds</c>, or passed during an outage or a suspend.</summary>
    [Minimum(0)]
    public long? MissedRuns { get; set; }

    /// <summary>Objects copied by finished runs.</summary>
    [Minimum(0)]
    public long? CopiedObjects { get; set; }

    /// <summary>Bytes copied by finished runs.</summary>
    [Minimum(0)]
    public long? CopiedBytes { get; set; }

    /// <summary>Destination objects deleted by finished runs.</summary>
    [Minimum(0)]
    public long? DeletedObjects { get; set; }
}
