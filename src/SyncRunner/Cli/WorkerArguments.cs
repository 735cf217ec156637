namespace Ferry.SyncRunner.Cli;

/// <summary>What <c>ferry worker</c> was started with.</summary>
/// <param name="Namespace">The SyncJob's namespace.</param>
/// <param name="SyncJobName">The SyncJob's name.</param>
/// <param name="RunUid">The run (the SyncJob's uid).</param>
/// <param name="LeaseDuration">The lease duration of the run's Leases.</param>
internal sealed record WorkerArguments(string Namespace, string SyncJobName, string RunUid, TimeSpan LeaseDuration)
{
    /// <summary>Where to serve Prometheus metrics, or <see langword="null"/>.</summary>
    public string? MetricsAddress { get; init; }

    /// <summary>How often a waiting worker lists the run's Leases. <value>Default: 1 s.</value></summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
