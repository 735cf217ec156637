namespace Ferry.Api.SyncJobs;

/// <summary>Condition types of a <see cref="SyncJob"/>.</summary>
/// <remarks>Kubernetes API conventions, "Typical status properties"; names follow batch/v1 Job where they overlap.</remarks>
public static class SyncJobConditionTypes
{
    /// <summary>True while the run is scanning or working on tasks.</summary>
    public const string Progressing = "Progressing";

    /// <summary>True once every task succeeded; the run is over.</summary>
    public const string Complete = "Complete";

    /// <summary>True once the run failed; the run is over.</summary>
    public const string Failed = "Failed";

    /// <summary>True while <c>spec.suspend</c> holds the run.</summary>
    public const string Suspended = "Suspended";

    /// <summary>True when the spec was checked against what the API server cannot validate (referenced Secrets,
    /// ConfigMaps and claims exist and hold the keys).</summary>
    public const string SpecValid = "SpecValid";
}
