using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Pod: one or more containers scheduled together.</summary>
public sealed class Pod : IKubernetesObject
{
    /// <summary>Always <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    /// <summary>Always <c>Pod</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pod";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired behaviour.</summary>
    [JsonPropertyName("spec")]
    public PodSpec? Spec { get; set; }

    /// <summary>The observed state, written by the kubelet.</summary>
    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}
