using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Execution;

/// <summary>The end of a run.</summary>
/// <param name="Outcome">Succeeded or failed.</param>
/// <param name="Counters">Final counters.</param>
/// <param name="Reason">One line saying why the run failed, or <see langword="null"/>.</param>
/// <param name="Elapsed">Wall-clock duration.</param>
public sealed record SyncResult(SyncOutcome Outcome, SyncCounters Counters, string? Reason, TimeSpan Elapsed)
{
    /// <summary>Why a failed run failed (objects failed, <c>--max-failure</c> reached, <c>--max-delete</c> exceeded), or
    /// <see langword="null"/> when it succeeded.</summary>
    public RunFailureKind? Failure { get; init; }

    /// <summary>The range tasks this process saw fail for good, and a failed scan, in the order they failed.
    /// <value>Default: empty.</value></summary>
    public IReadOnlyList<FailedTask> FailedTasks { get; init; } = [];
}
