using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ObjectFieldSelector: a field of the pod.</summary>
public sealed class ObjectFieldSelector
{
    /// <summary>Schema version of <see cref="FieldPath"/>; default <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary>The field, e.g. <c>metadata.namespace</c>.</summary>
    [JsonPropertyName("fieldPath")]
    public string FieldPath { get; set; } = "";
}
