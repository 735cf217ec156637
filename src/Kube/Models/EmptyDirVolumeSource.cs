using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 EmptyDirVolumeSource: scratch space.</summary>
public sealed class EmptyDirVolumeSource
{
    /// <summary>Empty (node disk) or <c>Memory</c>.</summary>
    [JsonPropertyName("medium")]
    public string? Medium { get; set; }

    /// <summary>A quantity, e.g. <c>1Gi</c>.</summary>
    [JsonPropertyName("sizeLimit")]
    public string? SizeLimit { get; set; }
}
