using Ferry.Api;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;

namespace Ferry.SyncRunner.Jobs;

/// <summary>The API resources the worker and the continuous mirror's watcher read.</summary>
internal static class SyncJobResources
{
    /// <summary><c>syncjobs.ferry.io/v1alpha1</c>, namespaced.</summary>
    public static ResourceType<SyncJob> SyncJobs { get; } =
        new(new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, "syncjobs", SyncJob.KindName, Namespaced: true), ApiJsonContext.Default.SyncJob);

    /// <summary><c>replicamirrors.ferry.io/v1alpha1</c>, namespaced.</summary>
    public static ResourceType<Ferry.Api.ReplicaMirrors.ReplicaMirror> ReplicaMirrors { get; } =
        new(new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, "replicamirrors", Ferry.Api.ReplicaMirrors.ReplicaMirror.KindName, Namespaced: true), ApiJsonContext.Default.ReplicaMirror);
}
