using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 Secret: confidential key/value data.</summary>
/// <remarks><see cref="Data"/> values are raw bytes (base64 on the wire). Never log them.</remarks>
public sealed class Secret : IKubernetesObject
{
    /// <summary>Always <c>v1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    /// <summary>Always <c>Secret</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Secret";

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The data, by key.</summary>
    [JsonPropertyName("data")]
    public Dictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only convenience: merged into <see cref="Data"/> by the server.</summary>
    [JsonPropertyName("stringData")]
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>E.g. <c>Opaque</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Whether the data may no longer change.</summary>
    [JsonPropertyName("immutable")]
    public bool? Immutable { get; set; }
}
