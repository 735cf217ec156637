using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>A list response (<c>JobList</c>, <c>PodList</c>, …): list metadata and the items.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>Kubernetes API conventions, "Lists and Simple kinds". The client fills <see cref="Items"/> item by item,
/// so any item type with a <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/> works.</remarks>
public sealed class KubeList<T>
{
    /// <summary>The list's apiVersion, e.g. <c>batch/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary>The list kind, e.g. <c>JobList</c>.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>resourceVersion and the continue token.</summary>
    [JsonPropertyName("metadata")]
    public ListMeta Metadata { get; set; } = new();

    /// <summary>The items of this page, in the server's order.</summary>
    [JsonPropertyName("items")]
    public List<T> Items { get; set; } = [];
}
