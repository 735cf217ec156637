using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.Status: the result of an operation that returns no object, and the body of every API error.</summary>
/// <remarks>Kubernetes API conventions, "Response Status Kind".</remarks>
public sealed class Status
{
    /// <summary>Always <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; } = "v1";

    /// <summary>Always <c>Status</c>.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; } = "Status";

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyName("status")]
    public string? StatusValue { get; set; }

    /// <summary>Human-readable description.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>Machine-readable reason, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c>, <c>Gone</c>, <c>Invalid</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Extended data about the reason (the object's name, kind, field causes).</summary>
    [JsonPropertyName("details")]
    public StatusDetails? Details { get; set; }

    /// <summary>The suggested HTTP status code; 0 when not set.</summary>
    [JsonPropertyName("code")]
    public int Code { get; set; }
}
