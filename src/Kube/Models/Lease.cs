using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>coordination.k8s.io/v1 Lease: a lock with a holder and an expiry, used for leader election and Ferry's range tasks.</summary>
/// <remarks>Kubernetes API reference, "Lease v1 coordination.k8s.io".</remarks>
public sealed class Lease : IKubernetesObject
{
    /// <summary>Always <c>coordination.k8s.io/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "coordination.k8s.io/v1";

    /// <summary>Always <c>Lease</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Lease";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The lease record.</summary>
    [JsonPropertyName("spec")]
    public LeaseSpec? Spec { get; set; }
}
