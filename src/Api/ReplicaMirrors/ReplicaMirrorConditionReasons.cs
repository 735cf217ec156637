namespace Ferry.Api.ReplicaMirrors;

/// <summary>Reasons of <see cref="ReplicaMirror"/> conditions (CamelCase, machine-readable).</summary>
public static class ReplicaMirrorConditionReasons
{
    /// <summary>The mirror schedules runs.</summary>
    public const string Scheduling = "Scheduling";

    /// <summary><c>spec.suspend</c> is true.</summary>
    public const string SuspendedBySpec = "SuspendedBySpec";

    /// <summary>The spec is invalid in a way the schema cannot express (e.g. an unparsable cron expression).</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>A run is in progress and no run has finished yet.</summary>
    public const string FirstSyncPending = "FirstSyncPending";

    /// <summary>The last run succeeded for every destination.</summary>
    public const string SyncSucceeded = "SyncSucceeded";

    /// <summary>The last run failed for some destinations.</summary>
    public const string SyncPartiallyFailed = "SyncPartiallyFailed";

    /// <summary>The last run failed for every destination.</summary>
    public const string SyncFailed = "SyncFailed";

    /// <summary>Runs were skipped because the previous run was still going.</summary>
    public const string MissedIntervals = "MissedIntervals";

    /// <summary>Nothing is wrong.</summary>
    public const string Healthy = "Healthy";
}
