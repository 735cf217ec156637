using Ferry.Api;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;

namespace Ferry.Operator.SyncJobs;

/// <summary>The REST locations of the kinds the SyncJob controller uses beyond <see cref="KubeResources"/>.</summary>
internal static class SyncJobResources
{
    /// <summary><c>ferry.io/v1alpha1</c> syncjobs (namespaced, with the status subresource).</summary>
    public static ResourceType<SyncJob> SyncJobs { get; } = new(
        new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, "syncjobs", SyncJob.KindName, Namespaced: true),
        ApiJsonContext.Default.SyncJob);

    /// <summary>core/v1 persistentvolumeclaims, untyped: the controller only checks that a claim exists.</summary>
    public static ResourceType<System.Text.Json.Nodes.JsonObject> PersistentVolumeClaims { get; } =
        KubeResources.Untyped(new ResourceDescriptor("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", Namespaced: true));
}
