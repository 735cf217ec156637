using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceValidation.</summary>
public sealed class CustomResourceValidation
{
    /// <summary>The structural OpenAPI v3 schema, untyped.</summary>
    [JsonPropertyName("openAPIV3Schema")]
    public JsonObject? OpenAPIV3Schema { get; set; }
}
