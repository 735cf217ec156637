using Ferry.Api.Common;
using Ferry.Api.ReplicaMirrors;

namespace Ferry.SyncRunner.Watching;

/// <summary>How a watch gathers and applies changes (<c>ferry sync --watch</c>, a continuous mirror's watcher).</summary>
/// <remarks>The defaults of <see cref="Delay"/>, <see cref="MaxBatch"/>, <see cref="FullSyncInterval"/> and
/// <see cref="MaxPending"/> are <see cref="ContinuousSpec"/>'s, the same as a continuous ReplicaMirror's.</remarks>
internal sealed record WatchSettings
{
    /// <summary>The default <see cref="WatchInterval"/> as written on the command line: one minute.</summary>
    public const string DefaultWatchIntervalText = "1m";

    /// <summary>The default <see cref="WatchInterval"/>: one minute.</summary>
    public static readonly TimeSpan DefaultWatchInterval = GoDuration.Parse(DefaultWatchIntervalText);

    /// <summary>The longest back-off between two retries of a failing key: five minutes.</summary>
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromMinutes(5);

    /// <summary>A batch is due once its oldest change is this old; also the least time between two full syncs asked
    /// for after lost events. <value>Default: 15 s (<see cref="ContinuousSpec.DefaultDelay"/>).</value></summary>
    public TimeSpan Delay { get; init; } = GoDuration.Parse(ContinuousSpec.DefaultDelay);

    /// <summary>A batch is due once this many keys are pending; a batch applies at most this many. <value>Default:
    /// 1,000.</value></summary>
    public int MaxBatch { get; init; } = ContinuousSpec.DefaultMaxBatch;

    /// <summary>The time from one full sync's start to the next's; <see cref="TimeSpan.Zero"/> disables periodic full
    /// syncs. <value>Default: 1 h.</value></summary>
    public TimeSpan FullSyncInterval { get; init; } = GoDuration.Parse(ContinuousSpec.DefaultFullSyncInterval);

    /// <summary>For a source without change events (S3, SFTP) or with directories that cannot be watched: the time from
    /// one full sync's start to the next's. <value>Default: 1 min.</value></summary>
    public TimeSpan WatchInterval { get; init; } = DefaultWatchInterval;

    /// <summary>The most changes held between two batches; beyond, they are dropped for a full sync. <value>Default:
    /// 1,000,000.</value></summary>
    public int MaxPending { get; init; } = ContinuousSpec.DefaultMaxPending;

    /// <summary>The longest back-off between two retries of a failing key (the first is <see cref="Delay"/>, at least
    /// 1 s). <value>Default: 5 min.</value></summary>
    public TimeSpan MaxRetryDelay { get; init; } = DefaultMaxRetryDelay;

    /// <summary>While a full sync that this watch did not start is running (a continuous mirror's periodic full sync),
    /// how often to look whether it has ended. <value>Default: 2 s.</value></summary>
    public TimeSpan BusyPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The clock. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The first back-off of a failing key: <see cref="Delay"/>, at least 1 s.</summary>
    public TimeSpan RetryDelay => Delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : Delay;
}
