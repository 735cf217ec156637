using k8s.Models;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>What the caches show of a continuous mirror's watcher.</summary>
/// <param name="Pods">The watcher pods the mirror controls (any order, ended ones included).</param>
/// <param name="Lease">The watcher's Lease (<see cref="Api.ReplicaMirrors.WatcherContract.LeaseName"/>), or
/// <see langword="null"/> before a watcher wrote it.</param>
internal sealed record WatcherObservation(IReadOnlyList<V1Pod> Pods, V1Lease? Lease)
{
    /// <summary>No pod, no Lease.</summary>
    public static WatcherObservation None { get; } = new([], null);
}
