using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;

namespace Ferry.Api;

/// <summary>The <see cref="ResourceType{T}"/>s of Ferry's custom resources for <see cref="IKubernetesClient"/>:
/// where they live (from their <c>[KubernetesEntity]</c>) and their source-generated JSON (<see cref="ApiJsonContext"/>).</summary>
public static class ApiResources
{
    /// <summary>ferry.io/v1alpha1 syncjobs (namespaced).</summary>
    public static ResourceType<SyncJob> SyncJobs { get; } = new(ResourceDescriptor.Of<SyncJob>(namespaced: true), ApiJsonContext.Default.SyncJob);

    /// <summary>ferry.io/v1alpha1 replicamirrors (namespaced).</summary>
    public static ResourceType<ReplicaMirror> ReplicaMirrors { get; } =
        new(ResourceDescriptor.Of<ReplicaMirror>(namespaced: true), ApiJsonContext.Default.ReplicaMirror);
}
