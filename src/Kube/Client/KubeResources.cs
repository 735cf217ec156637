using System.Text.Json.Nodes;
using Ferry.Kube.Serialization;
using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>The <see cref="ResourceType{T}"/>s of the built-in kinds Ferry uses (KubernetesClient's models), and
/// untyped access to any other.</summary>
/// <remarks>Group, version, kind and plural come from each model's <see cref="KubernetesEntityAttribute"/>.</remarks>
public static class KubeResources
{
    /// <summary>batch/v1 jobs.</summary>
    public static ResourceType<V1Job> Jobs { get; } = Namespaced<V1Job>();

    /// <summary>v1 pods.</summary>
    public static ResourceType<V1Pod> Pods { get; } = Namespaced<V1Pod>();

    /// <summary>coordination.k8s.io/v1 leases.</summary>
    public static ResourceType<V1Lease> Leases { get; } = Namespaced<V1Lease>();

    /// <summary>v1 events (core/v1 <c>Event</c>, the kind <c>kubectl describe</c> and <c>kubectl get events</c> read).</summary>
    public static ResourceType<Corev1Event> Events { get; } = Namespaced<Corev1Event>();

    /// <summary>v1 secrets.</summary>
    public static ResourceType<V1Secret> Secrets { get; } = Namespaced<V1Secret>();

    /// <summary>v1 configmaps.</summary>
    public static ResourceType<V1ConfigMap> ConfigMaps { get; } = Namespaced<V1ConfigMap>();

    /// <summary>v1 persistentvolumeclaims.</summary>
    public static ResourceType<V1PersistentVolumeClaim> PersistentVolumeClaims { get; } = Namespaced<V1PersistentVolumeClaim>();

    /// <summary>apiextensions.k8s.io/v1 customresourcedefinitions (cluster-scoped).</summary>
    public static ResourceType<V1CustomResourceDefinition> CustomResourceDefinitions { get; } =
        new(ResourceDescriptor.Of<V1CustomResourceDefinition>(namespaced: false), KubeJson.TypeInfo<V1CustomResourceDefinition>());

    /// <summary>Untyped access to any resource: objects are <see cref="JsonObject"/>s.</summary>
    /// <param name="descriptor">Where the resource lives.</param>
    /// <returns>A resource type whose objects are plain JSON.</returns>
    public static ResourceType<JsonObject> Untyped(ResourceDescriptor descriptor) => new(descriptor, KubeJson.TypeInfo<JsonObject>());

    private static ResourceType<T> Namespaced<T>()
        where T : class =>
        new(ResourceDescriptor.Of<T>(namespaced: true), KubeJson.TypeInfo<T>());
}
