using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Event: a report of something that happened to an object.</summary>
/// <remarks>Kubernetes API reference, "Event v1 core"; the object is named after the involved object plus a unique suffix.</remarks>
public sealed class Event : IKubernetesObject
{
    /// <summary>Always <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    /// <summary>Always <c>Event</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Event";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The object the event is about.</summary>
    [JsonPropertyName("involvedObject")]
    public ObjectReference InvolvedObject { get; set; } = new();

    /// <summary>Short CamelCase reason, e.g. <c>Started</c>.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>Human-readable description.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>The component that reported the event.</summary>
    [JsonPropertyName("source")]
    public EventSource? Source { get; set; }

    /// <summary>When the event was first recorded.</summary>
    [JsonPropertyName("firstTimestamp")]
    public DateTimeOffset? FirstTimestamp { get; set; }

    /// <summary>When the event was last recorded.</summary>
    [JsonPropertyName("lastTimestamp")]
    public DateTimeOffset? LastTimestamp { get; set; }

    /// <summary>How many times it occurred.</summary>
    [JsonPropertyName("count")]
    public int? Count { get; set; }

    /// <summary>When it first occurred, with microseconds.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    [JsonPropertyName("eventTime")]
    public DateTimeOffset? EventTime { get; set; }

    /// <summary>What the reporting component did.</summary>
    [JsonPropertyName("action")]
    public string? Action { get; set; }

    /// <summary>The controller that emitted the event, e.g. <c>ferry.io/operator</c>.</summary>
    [JsonPropertyName("reportingComponent")]
    public string? ReportingComponent { get; set; }

    /// <summary>The controller instance, e.g. the pod name.</summary>
    [JsonPropertyName("reportingInstance")]
    public string? ReportingInstance { get; set; }
}
