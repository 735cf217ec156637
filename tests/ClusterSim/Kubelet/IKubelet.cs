using System.Text.Json.Nodes;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>The seam for a simulated kubelet / job controller: told about every Pod and Job created, it may run
/// them (e.g. as local processes) and report back through <see cref="ClusterStore.SetStatus"/>.</summary>
/// <remarks>The simulator itself never changes a Pod's or Job's status; without a kubelet they stay as created.
/// <see cref="OnCreated"/> arrives after the object is stored, outside the store's lock, on the request's thread;
/// <see cref="OnDeleted"/> arrives on a thread-pool thread. Return quickly from both.</remarks>
public interface IKubelet
{
    /// <summary>A Pod (core/v1) or Job (batch/v1) was created; <paramref name="obj"/> is a copy of the stored object.</summary>
    void OnCreated(ClusterStore store, ResourceType type, JsonObject obj);

    /// <summary>A Pod or Job was removed from the store (after its finalizers, if any).</summary>
    void OnDeleted(ClusterStore store, ResourceType type, JsonObject obj);
}
