using System.Text.Json.Serialization;

namespace Ferry.Kube.Serialization;

/// <summary>The metav1.DeleteOptions body sent with a DELETE.</summary>
internal sealed class DeleteOptionsBody
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "DeleteOptions";

    [JsonPropertyName("propagationPolicy")]
    public string? PropagationPolicy { get; set; }

    [JsonPropertyName("gracePeriodSeconds")]
    public long? GracePeriodSeconds { get; set; }

    [JsonPropertyName("preconditions")]
    public PreconditionsBody? Preconditions { get; set; }

    [JsonPropertyName("dryRun")]
    public List<string>? DryRun { get; set; }
}

/// <summary>metav1.Preconditions: uid and resourceVersion the object must still have.</summary>
internal sealed class PreconditionsBody
{
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }
}
