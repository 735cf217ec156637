using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.OwnerReference: points from a dependent to its owner for garbage collection.</summary>
public sealed class OwnerReference
{
    /// <summary>The owner's apiVersion.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    /// <summary>The owner's kind.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    /// <summary>The owner's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>The owner's uid.</summary>
    [JsonPropertyName("uid")]
    public string Uid { get; set; } = "";

    /// <summary>Whether the owner is the managing controller (at most one owner per object).</summary>
    [JsonPropertyName("controller")]
    public bool? Controller { get; set; }

    /// <summary>Whether foreground deletion of the owner waits for this dependent.</summary>
    [JsonPropertyName("blockOwnerDeletion")]
    public bool? BlockOwnerDeletion { get; set; }
}
