using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 LocalObjectReference: the name of an object in the same namespace.</summary>
public sealed class LocalObjectReference
{
    /// <summary>The object's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}
