using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>What one reconcile of a ReplicaMirror does, decided by <see cref="MirrorPlanner"/> without any I/O.</summary>
internal sealed class MirrorPlan
{
    /// <summary>The status to write.</summary>
    public required ReplicaMirrorStatus Status { get; init; }

    /// <summary>Child SyncJobs to create, in order.</summary>
    public List<SyncJob> Starts { get; } = [];

    /// <summary>Running children to delete before the starts (<c>Replace</c>).</summary>
    public List<SyncJob> Replaced { get; } = [];

    /// <summary>Finished children past the history limits, and children of removed destinations, to delete after
    /// the status is written.</summary>
    public List<SyncJob> Pruned { get; } = [];

    /// <summary>For a continuous mirror (or one that was): what to do about its watcher pod; <see langword="null"/> otherwise.</summary>
    public WatcherPlan? Watcher { get; set; }

    /// <summary>Events to record after the status is written.</summary>
    public List<MirrorEvent> Events { get; } = [];

    /// <summary>When something becomes due by time alone (a slot, a back-off's end, <c>InSync</c> running out), or
    /// <see langword="null"/>.</summary>
    public DateTimeOffset? WakeAt { get; set; }

    /// <summary>Whether a run started, a run's result was recorded, or a destination became busy or idle: the status
    /// is written at once instead of being coalesced.</summary>
    public bool Significant { get; set; }
}
