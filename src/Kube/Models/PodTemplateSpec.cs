using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 PodTemplateSpec: metadata and spec of the pods a controller creates.</summary>
public sealed class PodTemplateSpec
{
    /// <summary>Labels and annotations given to each pod.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta? Metadata { get; set; }

    /// <summary>The pod spec.</summary>
    [JsonPropertyName("spec")]
    public PodSpec Spec { get; set; } = new();
}
