using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>metav1.StatusDetails: which object a <see cref="Status"/> is about and the field-level causes.</summary>
public sealed class StatusDetails
{
    /// <summary>The object's name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The object's group.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    /// <summary>The object's kind (or resource).</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>The object's uid.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Field-level causes, e.g. each failed validation.</summary>
    [JsonPropertyName("causes")]
    public List<StatusCause>? Causes { get; set; }

    /// <summary>Seconds the client should wait before retrying, when the server suggests it.</summary>
    [JsonPropertyName("retryAfterSeconds")]
    public int? RetryAfterSeconds { get; set; }
}
