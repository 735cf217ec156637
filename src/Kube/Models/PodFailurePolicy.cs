using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 PodFailurePolicy: how pod failures count against <c>backoffLimit</c>; the first matching rule wins.</summary>
/// <remarks>Kubernetes "Jobs", section "Pod failure policy"; requires <c>restartPolicy: Never</c> in the pod template.</remarks>
public sealed class PodFailurePolicy
{
    /// <summary>The rules, evaluated in order.</summary>
    [JsonPropertyName("rules")]
    public List<PodFailurePolicyRule> Rules { get; set; } = new();
}
