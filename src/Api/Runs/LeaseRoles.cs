namespace Ferry.Api.Runs;

/// <summary>Values of the <see cref="RunLabels.LeaseRole"/> label.</summary>
public static class LeaseRoles
{
    /// <summary>The run's one scan lease: the scan holder, the checkpointed cursor, the number of tasks published,
    /// and the run's outcome once decided.</summary>
    public const string Scan = "scan";

    /// <summary>A copy task over a half-open key range.</summary>
    public const string Copy = "copy";

    /// <summary>A delete task (published only after every copy task is done).</summary>
    public const string Delete = "delete";
}
