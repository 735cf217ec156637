namespace Ferry.Api.Runs;

/// <summary>Label keys on the objects of one SyncJob run: the runner <c>batch/v1</c> Job, its pods and the run's
/// <c>coordination.k8s.io/v1</c> Leases.</summary>
/// <remarks>DESIGN.md, "Distributed work: the lease-coordinated queue": task Leases are "labelled with the SyncJob
/// and the run". The operator selects a run's Leases with <c>ferry.io/run=UID</c>.</remarks>
public static class RunLabels
{
    /// <summary>The SyncJob's <c>metadata.name</c>.</summary>
    public const string SyncJob = "ferry.io/syncjob";

    /// <summary>The run: the SyncJob's <c>metadata.uid</c> (a SyncJob is one run; a re-created SyncJob of the same
    /// name is a new run).</summary>
    public const string Run = "ferry.io/run";

    /// <summary>What a Lease is: <see cref="LeaseRoles.Scan"/>, <see cref="LeaseRoles.Copy"/> or
    /// <see cref="LeaseRoles.Delete"/>.</summary>
    public const string LeaseRole = "ferry.io/lease";

    /// <summary><c>app.kubernetes.io/managed-by</c>, value <see cref="ManagedByValue"/>.</summary>
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedBy"/> on everything the operator or its runners create.</summary>
    public const string ManagedByValue = "ferry-operator";
}
