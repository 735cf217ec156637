using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitionSpec.</summary>
public sealed class CustomResourceDefinitionSpec
{
    /// <summary>The API group, e.g. <c>ferry.io</c>.</summary>
    [JsonPropertyName("group")]
    public string Group { get; set; } = "";

    /// <summary>Plural, singular, kind and short names.</summary>
    [JsonPropertyName("names")]
    public CustomResourceDefinitionNames Names { get; set; } = new();

    /// <summary><c>Namespaced</c> or <c>Cluster</c>.</summary>
    [JsonPropertyName("scope")]
    public string Scope { get; set; } = "";

    /// <summary>The served versions; exactly one has storage true.</summary>
    [JsonPropertyName("versions")]
    public List<CustomResourceDefinitionVersion> Versions { get; set; } = new();

    /// <summary>Deprecated; must be false for structural schemas.</summary>
    [JsonPropertyName("preserveUnknownFields")]
    public bool? PreserveUnknownFields { get; set; }
}
