using System.Text.Json.Nodes;
using Ferry.Kube.Models;
using Ferry.Kube.Serialization;

namespace Ferry.Kube.Client;

/// <summary>The <see cref="ResourceType{T}"/>s of the built-in kinds Ferry uses, and untyped access to any other.</summary>
public static class KubeResources
{
    /// <summary>batch/v1 jobs.</summary>
    public static ResourceType<Job> Jobs { get; } = new(new("batch", "v1", "jobs", "Job", true), KubeJsonContext.Default.Job);

    /// <summary>v1 pods.</summary>
    public static ResourceType<Pod> Pods { get; } = new(new("", "v1", "pods", "Pod", true), KubeJsonContext.Default.Pod);

    /// <summary>coordination.k8s.io/v1 leases.</summary>
    public static ResourceType<Lease> Leases { get; } =
        new(new("coordination.k8s.io", "v1", "leases", "Lease", true), KubeJsonContext.Default.Lease);

    /// <summary>v1 events.</summary>
    public static ResourceType<Event> Events { get; } = new(new("", "v1", "events", "Event", true), KubeJsonContext.Default.Event);

    /// <summary>v1 secrets.</summary>
    public static ResourceType<Secret> Secrets { get; } = new(new("", "v1", "secrets", "Secret", true), KubeJsonContext.Default.Secret);

    /// <summary>v1 configmaps.</summary>
    public static ResourceType<ConfigMap> ConfigMaps { get; } =
        new(new("", "v1", "configmaps", "ConfigMap", true), KubeJsonContext.Default.ConfigMap);

    /// <summary>apiextensions.k8s.io/v1 customresourcedefinitions (cluster-scoped).</summary>
    public static ResourceType<CustomResourceDefinition> CustomResourceDefinitions { get; } =
        new(new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
            KubeJsonContext.Default.CustomResourceDefinition);

    /// <summary>Untyped access to any resource: objects are <see cref="JsonObject"/>s.</summary>
    /// <param name="descriptor">Where the resource lives.</param>
    /// <returns>A resource type whose objects are plain JSON.</returns>
    public static ResourceType<JsonObject> Untyped(ResourceDescriptor descriptor) => new(descriptor, KubeJsonContext.Default.JsonObject);
}
