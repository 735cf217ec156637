using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>Where a <see cref="LeaseWorkQueue"/> keeps its Leases and how it times them.</summary>
public sealed class LeaseWorkQueueOptions
{
    /// <summary>The namespace of the SyncJob and its Leases.</summary>
    public required string Namespace { get; init; }

    /// <summary>The SyncJob's <c>metadata.name</c> (Lease names come from <see cref="RunNames"/>).</summary>
    public required string SyncJobName { get; init; }

    /// <summary>The run: the SyncJob's <c>metadata.uid</c>, also the Leases' ownerReference uid.</summary>
    public required string RunUid { get; init; }

    /// <summary>How long a lease lasts without renewal; holders renew every third of it.
    /// <value>Default: <see cref="RunnerContract.DefaultLeaseDurationSeconds"/> (15 s).</value></summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(RunnerContract.DefaultLeaseDurationSeconds);

    /// <summary>How often a worker with nothing to claim lists the run's Leases again (±25 % jitter).
    /// <value>Default: 1 s.</value></summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times a task may be claimed before it fails for good. <value>Default: 3.</value></summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The clock for renewals, polls and expiry. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Called with one line for queue events (claims, takeovers, lost leases). No secrets are passed.
    /// <value>Default: <see langword="null"/>.</value></summary>
    public Action<string>? Log { get; init; }
}
