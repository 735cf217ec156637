using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ContainerPort: a port a container listens on.</summary>
public sealed class ContainerPort
{
    /// <summary>IANA service name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The port number.</summary>
    [JsonPropertyName("containerPort")]
    public int ContainerPortValue { get; set; }

    /// <summary><c>TCP</c> (default), <c>UDP</c> or <c>SCTP</c>.</summary>
    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }
}
