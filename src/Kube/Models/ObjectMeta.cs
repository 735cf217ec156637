using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.ObjectMeta: the standard metadata of every persisted object.</summary>
/// <remarks>Field names and meaning follow the Kubernetes API reference for <c>ObjectMeta</c>.</remarks>
public sealed class ObjectMeta
{
    /// <summary>The object's name, unique per namespace and kind.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>A prefix from which the server makes a unique name when <see cref="Name"/> is empty.</summary>
    [JsonPropertyName("generateName")]
    public string? GenerateName { get; set; }

    /// <summary>The namespace; <see langword="null"/> for cluster-scoped objects.</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>The server-assigned unique id.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Opaque version for optimistic concurrency and watch resumption.</summary>
    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    /// <summary>Sequence number of the desired state (spec); bumped by the server on spec changes only.</summary>
    [JsonPropertyName("generation")]
    public long? Generation { get; set; }

    /// <summary>When the object was created (server time, RFC 3339).</summary>
    [JsonPropertyName("creationTimestamp")]
    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>Set when deletion was requested and finalizers still hold the object.</summary>
    [JsonPropertyName("deletionTimestamp")]
    public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>Key/value labels used by selectors.</summary>
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Key/value annotations (non-identifying data).</summary>
    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Objects this one depends on; garbage collection deletes it when its owner goes.</summary>
    [JsonPropertyName("ownerReferences")]
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Finalizers that must be removed before the object is deleted.</summary>
    [JsonPropertyName("finalizers")]
    public List<string>? Finalizers { get; set; }
}
