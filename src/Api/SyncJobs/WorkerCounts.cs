using Ferry.Api.Schema;

namespace Ferry.Api.SyncJobs;

/// <summary>Runner pods of a run.</summary>
public sealed class WorkerCounts
{
    /// <summary>Runner pods the run asks for (<c>spec.workers</c>, 0 while suspended or finished).</summary>
    [Minimum(0)]
    public int? Desired { get; set; }

    /// <summary>Runner pods currently running.</summary>
    [Minimum(0)]
    public int? Active { get; set; }
}
