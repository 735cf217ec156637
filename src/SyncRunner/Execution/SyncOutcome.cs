namespace Ferry.SyncRunner.Execution;

/// <summary>How a run ended.</summary>
public enum SyncOutcome
{
    /// <summary>Every selected key synced.</summary>
    Succeeded,

    /// <summary>Some objects or tasks failed (the rest synced), or the run was aborted (<c>--max-failure</c>, <c>--max-delete</c>).</summary>
    Failed,
}
