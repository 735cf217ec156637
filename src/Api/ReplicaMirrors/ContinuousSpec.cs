using System.ComponentModel;
using Ferry.Api.Common;
using Ferry.Api.Schema;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>Continuous mirroring (<c>spec.continuous</c>): a watcher pod watches the source volume for changes,
/// gathers them for <c>delay</c> or until <c>maxBatch</c> keys are pending and applies exactly the changed keys to every
/// destination; full syncs (at the start, after the watcher lost events, every <c>fullSyncInterval</c>) run as child
/// SyncJobs.</summary>
/// <remarks>
/// <para>The batching follows lsyncd's <c>default.rsync</c> layer: <c>delay</c> (lsyncd's default 15 s) and
/// <c>maxDelays</c> (lsyncd's 1,000 events). Unlike lsyncd, lost events (an inotify queue overflow, a directory that
/// could not be watched) are never silent: the watcher says so and a full sync follows, at most one per
/// <c>delay</c>.</para>
/// <para>The same defaults serve <c>ferry sync --watch</c> (<c>--watch-delay</c>, <c>--watch-max-batch</c>,
/// <c>--full-sync-interval</c>): they are defined here once.</para>
/// </remarks>
public sealed class ContinuousSpec
{
    /// <summary>The default <see cref="Delay"/>: 15 s, lsyncd's default for rsync.</summary>
    public const string DefaultDelay = "15s";

    /// <summary>The default <see cref="MaxBatch"/>: 1,000 keys, lsyncd's <c>maxDelays</c>.</summary>
    public const int DefaultMaxBatch = 1000;

    /// <summary>The smallest <see cref="MaxBatch"/> (also <c>--watch-max-batch</c>'s).</summary>
    public const int MinMaxBatch = 1;

    /// <summary>The largest <see cref="MaxBatch"/> (also <c>--watch-max-batch</c>'s).</summary>
    public const int MaxMaxBatch = 1_000_000;

    /// <summary>The default <see cref="FullSyncInterval"/>: one hour.</summary>
    public const string DefaultFullSyncInterval = "1h";

    /// <summary>The most changes held in memory between two batches; beyond, they are dropped and a full sync
    /// replaces them (a burst of millions of changes costs a listing, not memory). Not a spec field.</summary>
    public const int DefaultMaxPending = 1_000_000;

    /// <summary>How long changes are gathered before a batch applies them: a batch is due once its oldest pending
    /// change is this old (or <c>maxBatch</c> keys are pending), e.g. <c>5s</c>. Also the least time between two full
    /// syncs the watcher asks for after lost events.</summary>
    /// <value><c>15s</c>.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration), DefaultValue(DefaultDelay)]
    public string? Delay { get; set; }

    /// <summary>A batch is due as soon as this many changed keys are pending, however young they are; a batch applies
    /// at most this many.</summary>
    /// <value>1000.</value>
    [Minimum(MinMaxBatch), Maximum(MaxMaxBatch), DefaultValue(DefaultMaxBatch)]
    public int? MaxBatch { get; set; }

    /// <summary>The time from the start of one full sync to the start of the next, which catches what events cannot
    /// show (changes made while no watcher ran, file systems without events), e.g. <c>6h</c>; <c>0s</c> disables the
    /// periodic full sync (the watcher still asks for one at its start and after lost events).</summary>
    /// <value><c>1h</c>.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration), DefaultValue(DefaultFullSyncInterval)]
    public string? FullSyncInterval { get; set; }

    /// <summary>The delay as a duration: <see cref="Delay"/>, else <see cref="DefaultDelay"/>.</summary>
    /// <returns>The duration.</returns>
    /// <exception cref="FormatException">The value is not a duration.</exception>
    public TimeSpan DelayOrDefault() => GoDuration.Parse(Delay ?? DefaultDelay);

    /// <summary>The full sync interval as a duration, <see cref="TimeSpan.Zero"/> when disabled.</summary>
    /// <returns>The duration.</returns>
    /// <exception cref="FormatException">The value is not a duration.</exception>
    public TimeSpan FullSyncIntervalOrDefault() => GoDuration.Parse(FullSyncInterval ?? DefaultFullSyncInterval);
}
