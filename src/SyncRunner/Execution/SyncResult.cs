namespace Ferry.SyncRunner.Execution;

/// <summary>The end of a run.</summary>
/// <param name="Outcome">Succeeded or failed.</param>
/// <param name="Counters">Final counters.</param>
/// <param name="Reason">One line saying why the run failed, or <see langword="null"/>.</param>
/// <param name="Elapsed">Wall-clock duration.</param>
public sealed record SyncResult(SyncOutcome Outcome, SyncCounters Counters, string? Reason, TimeSpan Elapsed)
{
    /// <summary>The SyncJob <c>Failed</c> condition reason of a failed run (<c>ObjectsFailed</c>,
    /// <c>MaxDeleteExceeded</c>, <c>MaxFailuresReached</c>), or <see langword="null"/>.</summary>
    public string? Condition { get; init; }

    /// <summary>The range tasks this process saw fail for good, and a failed scan, in the order they failed.
    /// <value>Default: empty.</value></summary>
    public IReadOnlyList<FailedTask> FailedTasks { get; init; } = [];
}
