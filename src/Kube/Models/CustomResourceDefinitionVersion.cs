using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitionVersion.</summary>
public sealed class CustomResourceDefinitionVersion
{
    /// <summary>The version, e.g. <c>v1alpha1</c>.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>Whether the version is served.</summary>
    [JsonPropertyName("served")]
    public bool Served { get; set; }

    /// <summary>Whether this version is stored.</summary>
    [JsonPropertyName("storage")]
    public bool Storage { get; set; }

    /// <summary>Whether the version is deprecated.</summary>
    [JsonPropertyName("deprecated")]
    public bool? Deprecated { get; set; }

    /// <summary>The OpenAPI v3 schema.</summary>
    [JsonPropertyName("schema")]
    public CustomResourceValidation? Schema { get; set; }

    /// <summary>The <c>status</c> and <c>scale</c> subresources, untyped.</summary>
    [JsonPropertyName("subresources")]
    public JsonObject? Subresources { get; set; }

    /// <summary>Printer columns for <c>kubectl get</c>, untyped.</summary>
    [JsonPropertyName("additionalPrinterColumns")]
    public JsonArray? AdditionalPrinterColumns { get; set; }
}
