using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition: declares a custom resource type.</summary>
/// <remarks>Kubernetes API reference, "CustomResourceDefinition v1 apiextensions.k8s.io"; schemas stay untyped JSON.</remarks>
public sealed class CustomResourceDefinition : IKubernetesObject
{
    /// <summary>Always <c>apiextensions.k8s.io/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "apiextensions.k8s.io/v1";

    /// <summary>Always <c>CustomResourceDefinition</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "CustomResourceDefinition";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The resource's group, names, scope and versions.</summary>
    [JsonPropertyName("spec")]
    public CustomResourceDefinitionSpec Spec { get; set; } = new();

    /// <summary>Whether the names were accepted and the resource is established.</summary>
    [JsonPropertyName("status")]
    public CustomResourceDefinitionStatus? Status { get; set; }
}
