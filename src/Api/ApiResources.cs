using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;

namespace Ferry.Api;

/// <summary>The <see cref="ResourceType{T}"/>s of Ferry's custom resources for <see cref="IKubernetesClient"/>:
/// where they live (the constants their <c>[KubernetesEntity]</c> is made of) and their source-generated JSON (<see cref="ApiJsonContext"/>).</summary>
/// <remarks>Each is built on first use: a runner that reads only SyncJobs prepares no ReplicaMirror metadata.</remarks>
public static class ApiResources
{
    private static ResourceType<SyncJob>? _syncJobs;
    private static ResourceType<ReplicaMirror>? _replicaMirrors;

    /// <summary>ferry.io/v1alpha1 syncjobs (namespaced).</summary>
    public static ResourceType<SyncJob> SyncJobs => _syncJobs ??= new(new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, SyncJob.PluralName, SyncJob.KindName, Namespaced: true), ApiJsonContext.Default.SyncJob);

    /// <summary>ferry.io/v1alpha1 replicamirrors (namespaced).</summary>
    public static ResourceType<ReplicaMirror> ReplicaMirrors => _replicaMirrors ??= new(new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, ReplicaMirror.PluralName, ReplicaMirror.KindName, Namespaced: true), ApiJsonContext.Default.ReplicaMirror);
}
