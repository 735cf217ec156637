using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitionNames.</summary>
public sealed class CustomResourceDefinitionNames
{
    /// <summary>The plural resource name used in URLs, e.g. <c>syncjobs</c>.</summary>
    [JsonPropertyName("plural")]
    public string Plural { get; set; } = "";

    /// <summary>The singular name.</summary>
    [JsonPropertyName("singular")]
    public string? Singular { get; set; }

    /// <summary>The kind, e.g. <c>SyncJob</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    /// <summary>The list kind; default kind + <c>List</c>.</summary>
    [JsonPropertyName("listKind")]
    public string? ListKind { get; set; }

    /// <summary>Short names for kubectl, e.g. <c>sj</c>.</summary>
    [JsonPropertyName("shortNames")]
    public List<string>? ShortNames { get; set; }

    /// <summary>Categories, e.g. <c>all</c>.</summary>
    [JsonPropertyName("categories")]
    public List<string>? Categories { get; set; }
}
