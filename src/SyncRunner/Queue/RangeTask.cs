using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Queue;

/// <summary>One unit of work: a phase over a half-open key range, with its checkpoint.</summary>
/// <param name="Id">Unique within the run, e.g. <c>copy-00017</c>.</param>
/// <param name="Phase">Copy or delete pass.</param>
/// <param name="Range">The keys [Start, End) this task covers; tasks of one phase tile the key space.</param>
public sealed record RangeTask(string Id, RangeTaskPhase Phase, KeyRange Range)
{
    /// <summary>Where the task stands.</summary>
    public RangeTaskState State { get; init; }

    /// <summary>How many times the task has been claimed.</summary>
    public int Attempts { get; init; }

    /// <summary>The last key finished in order (every key before it is done), or <see langword="null"/> before the first checkpoint.</summary>
    public string? LastKey { get; init; }

    /// <summary>The counters as of <see cref="LastKey"/>, in the form a task Lease stores them (a snapshot: the engine
    /// counts in its own thread-safe counters and hands the queue snapshots).</summary>
    public TaskCounters Counters { get; init; } = new();

    /// <summary>The reason of the last failed attempt.</summary>
    public string? LastError { get; init; }
}
