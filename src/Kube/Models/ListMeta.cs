using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.ListMeta: the metadata of a list response.</summary>
/// <remarks>Kubernetes API conventions, "Lists and Simple kinds"; <see cref="Continue"/> drives <c>limit</c>/<c>continue</c> paging.</remarks>
public sealed class ListMeta
{
    /// <summary>The resourceVersion the list was read at; start a watch from here.</summary>
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    /// <summary>Opaque token for the next page; <see langword="null"/> or empty on the last page.</summary>
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }

    /// <summary>How many items remain after this page, when the server knows.</summary>
    [JsonPropertyName("remainingItemCount")]
    public long? RemainingItemCount { get; set; }
}
