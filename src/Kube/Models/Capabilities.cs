using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Capabilities: POSIX capabilities added and dropped.</summary>
public sealed class Capabilities
{
    /// <summary>Capabilities to add.</summary>
    [JsonPropertyName("add")]
    public List<string>? Add { get; set; }

    /// <summary>Capabilities to drop, e.g. <c>ALL</c>.</summary>
    [JsonPropertyName("drop")]
    public List<string>? Drop { get; set; }
}
