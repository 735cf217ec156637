using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ConfigMap: non-confidential key/value data.</summary>
public sealed class ConfigMap : IKubernetesObject
{
    /// <summary>Always <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    /// <summary>Always <c>ConfigMap</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "ConfigMap";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>UTF-8 data, by key.</summary>
    [JsonPropertyName("data")]
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Binary data, by key (base64 on the wire).</summary>
    [JsonPropertyName("binaryData")]
    public Dictionary<string, byte[]>? BinaryData { get; set; }

    /// <summary>Whether the data may no longer change.</summary>
    [JsonPropertyName("immutable")]
    public bool? Immutable { get; set; }
}
