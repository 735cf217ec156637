namespace Ferry.Api.ReplicaMirrors;

/// <summary>Reasons of <see cref="ReplicaMirror"/> conditions (CamelCase, machine-readable).</summary>
/// <remarks>Reference problems reuse the SyncJob reasons (<c>SecretNotFound</c>, <c>ConfigMapNotFound</c>,
/// <c>ClaimNotFound</c>, <c>InvalidSpec</c>) so both kinds say the same thing the same way.</remarks>
public static class ReplicaMirrorConditionReasons
{
    /// <summary>The spec is valid and every reference was found.</summary>
    public const string Valid = "Valid";

    /// <summary><c>spec.suspend</c> is true.</summary>
    public const string SuspendedBySpec = "SuspendedBySpec";

    /// <summary><c>spec.suspend</c> is false.</summary>
    public const string Resumed = "Resumed";

    /// <summary>No destination has finished a run successfully yet.</summary>
    public const string FirstSyncPending = "FirstSyncPending";

    /// <summary>Every destination that is not suspended is within its <c>rpo</c>.</summary>
    public const string WithinRpo = "WithinRpo";

    /// <summary>Some destination's last successful run started longer than <c>rpo</c> ago (or it has none after a failed
    /// one); for a continuous mirror also: a change has waited longer than <c>rpo</c>.</summary>
    public const string RpoExceeded = "RpoExceeded";

    /// <summary>Without an <c>rpo</c>: every destination's last run succeeded.</summary>
    public const string SyncSucceeded = "SyncSucceeded";

    /// <summary>The last run failed for some destinations.</summary>
    public const string SyncPartiallyFailed = "SyncPartiallyFailed";

    /// <summary>The last run failed for every destination.</summary>
    public const string SyncFailed = "SyncFailed";

    /// <summary>A destination's last run failed because it would have deleted more than <c>maxDelete</c> keys: the
    /// source may have been emptied by accident. Nothing was deleted.</summary>
    public const string MaxDeleteExceeded = "MaxDeleteExceeded";

    /// <summary>Every destination is suspended.</summary>
    public const string AllSuspended = "AllSuspended";

    /// <summary>Nothing is wrong.</summary>
    public const string Healthy = "Healthy";

    /// <summary><c>spec.continuous</c> is set but the source is not a volume: only a volume has change events.</summary>
    public const string ContinuousNeedsVolume = "ContinuousNeedsVolume";

    /// <summary>A continuous mirror's watcher has not reported for longer than <c>rpo</c>: changes are not being watched.</summary>
    public const string WatcherNotRunning = "WatcherNotRunning";

    /// <summary><c>Degraded</c> of a continuous mirror: keys failed in batches and wait for their retry.</summary>
    public const string KeysFailing = "KeysFailing";
}
