using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.StatusCause: one cause of a failure, usually one invalid field.</summary>
public sealed class StatusCause
{
    /// <summary>Machine-readable cause, e.g. <c>FieldValueRequired</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable description.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>The field path, e.g. <c>spec.source</c>.</summary>
    [JsonPropertyName("field")]
    public string? Field { get; set; }
}
