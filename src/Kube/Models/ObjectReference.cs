using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ObjectReference: a reference to any object.</summary>
public sealed class ObjectReference
{
    /// <summary>The object's apiVersion.</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary>The object's kind.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>The object's namespace.</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>The object's name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The object's uid.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>The resourceVersion the reference was made at.</summary>
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    /// <summary>A field within the object, e.g. <c>spec.containers{runner}</c>.</summary>
    [JsonPropertyName("fieldPath")]
    public string? FieldPath { get; set; }
}
