namespace Ferry.Api.SyncJobs;

/// <summary>Reasons of <see cref="SyncJob"/> conditions (CamelCase, machine-readable).</summary>
public static class SyncJobConditionReasons
{
    /// <summary>Accepted and waiting for runner pods.</summary>
    public const string Pending = "Pending";

    /// <summary>The source is being listed and cut into tasks.</summary>
    public const string Scanning = "Scanning";

    /// <summary>Copy tasks are being worked on.</summary>
    public const string Copying = "Copying";

    /// <summary>Delete tasks (after all copies succeeded) are being worked on.</summary>
    public const string Deleting = "Deleting";

    /// <summary>Every task succeeded.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Some objects failed after their retries.</summary>
    public const string ObjectsFailed = "ObjectsFailed";

    /// <summary>The run stopped early because <c>maxFailures</c> objects failed.</summary>
    public const string MaxFailuresReached = "MaxFailuresReached";

    /// <summary>The run would have deleted more than <c>maxDelete</c> keys, and deleted nothing.</summary>
    public const string MaxDeleteExceeded = "MaxDeleteExceeded";

    /// <summary>Runner pods failed more than <c>backoffLimit</c> times.</summary>
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";

    /// <summary>The runner Job finished but no runner recorded the run's outcome (a runner exited 0 without finishing the
    /// queue); the run cannot go on without runners.</summary>
    public const string RunnersExited = "RunnersExited";

    /// <summary>The run exceeded <c>activeDeadlineSeconds</c>.</summary>
    public const string DeadlineExceeded = "DeadlineExceeded";

    /// <summary><c>spec.suspend</c> is true.</summary>
    public const string SuspendedBySpec = "SuspendedBySpec";

    /// <summary><c>spec.suspend</c> was set back to false.</summary>
    public const string Resumed = "Resumed";

    /// <summary>The spec passed the operator's checks.</summary>
    public const string Valid = "Valid";

    /// <summary>A referenced Secret, or a key in it, does not exist.</summary>
    public const string SecretNotFound = "SecretNotFound";

    /// <summary>A referenced ConfigMap, or a key in it, does not exist.</summary>
    public const string ConfigMapNotFound = "ConfigMapNotFound";

    /// <summary>A referenced PersistentVolumeClaim does not exist.</summary>
    public const string ClaimNotFound = "ClaimNotFound";

    /// <summary>The spec is invalid in a way the schema cannot express.</summary>
    public const string InvalidSpec = "InvalidSpec";
}
