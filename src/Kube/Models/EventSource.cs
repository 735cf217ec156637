using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 EventSource: the component that reported an event.</summary>
public sealed class EventSource
{
    /// <summary>The component name.</summary>
    [JsonPropertyName("component")]
    public string? Component { get; set; }

    /// <summary>The node name.</summary>
    [JsonPropertyName("host")]
    public string? Host { get; set; }
}
