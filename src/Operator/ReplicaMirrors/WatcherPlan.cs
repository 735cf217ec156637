using Ferry.Api.ReplicaMirrors;
using k8s.Models;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>What one reconcile does about a continuous mirror's watcher (<see cref="WatcherPlanner"/>).</summary>
internal sealed class WatcherPlan
{
    /// <summary>The <c>status.continuous</c> to write.</summary>
    public required ContinuousStatus Status { get; init; }

    /// <summary>The watcher pod to create, by number and the quick ends in a row before it; <see langword="null"/> for none.</summary>
    public (long Number, long Failures)? Create { get; set; }

    /// <summary>Pods to delete: ended ones once replaced, outdated ones, surplus ones, all of them when no watcher should run.</summary>
    public List<V1Pod> Delete { get; } = [];

    /// <summary>When the back-off before the next pod ends, or <see langword="null"/>.</summary>
    public DateTimeOffset? WakeAt { get; set; }
}
