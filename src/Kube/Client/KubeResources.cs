using System.Text.Json.Nodes;
using Ferry.Kube.Serialization;
using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>The <see cref="ResourceType{T}"/>s of the built-in kinds Ferry uses (KubernetesClient's models), and
/// untyped access to any other.</summary>
/// <remarks>Group, version, kind and plural are each model's <c>KubeGroup</c>, <c>KubeApiVersion</c>, <c>KubeKind</c> and
/// <c>KubePluralName</c> (the values of its <see cref="KubernetesEntityAttribute"/>, read without reflection). Each is
/// built on first use, so a runner that touches only Leases and ConfigMaps prepares no JSON metadata for the others.</remarks>
public static class KubeResources
{
    private static ResourceType<V1Job>? _jobs;
    private static ResourceType<V1Pod>? _pods;
    private static ResourceType<V1Lease>? _leases;
    private static ResourceType<Corev1Event>? _events;
    private static ResourceType<V1Secret>? _secrets;
    private static ResourceType<V1ConfigMap>? _configMaps;
    private static ResourceType<V1PersistentVolumeClaim>? _persistentVolumeClaims;
    private static ResourceType<V1CustomResourceDefinition>? _customResourceDefinitions;

    /// <summary>batch/v1 jobs.</summary>
    public static ResourceType<V1Job> Jobs => _jobs ??= Namespaced<V1Job>(V1Job.KubeGroup, V1Job.KubeApiVersion, V1Job.KubePluralName, V1Job.KubeKind);

    /// <summary>v1 pods.</summary>
    public static ResourceType<V1Pod> Pods => _pods ??= Namespaced<V1Pod>(V1Pod.KubeGroup, V1Pod.KubeApiVersion, V1Pod.KubePluralName, V1Pod.KubeKind);

    /// <summary>coordination.k8s.io/v1 leases.</summary>
    public static ResourceType<V1Lease> Leases => _leases ??= Namespaced<V1Lease>(V1Lease.KubeGroup, V1Lease.KubeApiVersion, V1Lease.KubePluralName, V1Lease.KubeKind);

    /// <summary>v1 events (core/v1 <c>Event</c>, the kind <c>kubectl describe</c> and <c>kubectl get events</c> read).</summary>
    public static ResourceType<Corev1Event> Events => _events ??= Namespaced<Corev1Event>(Corev1Event.KubeGroup, Corev1Event.KubeApiVersion, Corev1Event.KubePluralName, Corev1Event.KubeKind);

    /// <summary>v1 secrets.</summary>
    public static ResourceType<V1Secret> Secrets => _secrets ??= Namespaced<V1Secret>(V1Secret.KubeGroup, V1Secret.KubeApiVersion, V1Secret.KubePluralName, V1Secret.KubeKind);

    /// <summary>v1 configmaps.</summary>
    public static ResourceType<V1ConfigMap> ConfigMaps => _configMaps ??= Namespaced<V1ConfigMap>(V1ConfigMap.KubeGroup, V1ConfigMap.KubeApiVersion, V1ConfigMap.KubePluralName, V1ConfigMap.KubeKind);

    /// <summary>v1 persistentvolumeclaims.</summary>
    public static ResourceType<V1PersistentVolumeClaim> PersistentVolumeClaims => _persistentVolumeClaims ??= Namespaced<V1PersistentVolumeClaim>(V1PersistentVolumeClaim.KubeGroup, V1PersistentVolumeClaim.KubeApiVersion, V1PersistentVolumeClaim.KubePluralName, V1PersistentVolumeClaim.KubeKind);

    /// <summary>apiextensions.k8s.io/v1 customresourcedefinitions (cluster-scoped).</summary>
    public static ResourceType<V1CustomResourceDefinition> CustomResourceDefinitions => _customResourceDefinitions ??= new(new ResourceDescriptor(V1CustomResourceDefinition.KubeGroup, V1CustomResourceDefinition.KubeApiVersion, V1CustomResourceDefinition.KubePluralName, V1CustomResourceDefinition.KubeKind, Namespaced: false), KubeJson.TypeInfo<V1CustomResourceDefinition>());

    /// <summary>Untyped access to any resource: objects are <see cref="JsonObject"/>s.</summary>
    /// <param name="descriptor">Where the resource lives.</param>
    /// <returns>A resource type whose objects are plain JSON.</returns>
    public static ResourceType<JsonObject> Untyped(ResourceDescriptor descriptor) => new(descriptor, KubeJson.TypeInfo<JsonObject>());

    private static ResourceType<T> Namespaced<T>(string group, string version, string plural, string kind)
        where T : class =>
        new(new ResourceDescriptor(group, version, plural, kind, Namespaced: true), KubeJson.TypeInfo<T>());
}
