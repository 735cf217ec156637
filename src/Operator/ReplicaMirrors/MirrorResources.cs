using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Kube.Client;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>The REST location of ReplicaMirrors.</summary>
internal static class MirrorResources
{
    /// <summary><c>ferry.io/v1alpha1</c> replicamirrors (namespaced, with the status subresource).</summary>
    public static ResourceType<ReplicaMirror> ReplicaMirrors { get; } = new(
        new ResourceDescriptor(ApiGroup.Group, ApiGroup.Version, "replicamirrors", ReplicaMirror.KindName, Namespaced: true),
        ApiJsonContext.Default.ReplicaMirror);
}
