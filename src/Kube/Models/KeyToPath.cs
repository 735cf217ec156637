using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 KeyToPath: one key projected to a relative file path.</summary>
public sealed class KeyToPath
{
    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";

    /// <summary>The relative path.</summary>
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    /// <summary>File mode bits.</summary>
    [JsonPropertyName("mode")]
    public int? Mode { get; set; }
}
