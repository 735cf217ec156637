using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 Job: runs pods until a number of them succeed.</summary>
/// <remarks>Kubernetes API reference, "Job v1 batch". Ferry's runner pods use the work-queue pattern: <c>parallelism</c> set, <c>completions</c> unset.</remarks>
public sealed class Job : IKubernetesObject
{
    /// <summary>Always <c>batch/v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "batch/v1";

    /// <summary>Always <c>Job</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Job";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired behaviour.</summary>
    [JsonPropertyName("spec")]
    public JobSpec? Spec { get; set; }

    /// <summary>The observed state, written by the Job controller.</summary>
    [JsonPropertyName("status")]
    public JobStatus? Status { get; set; }
}
