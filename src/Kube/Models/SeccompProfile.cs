using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 SeccompProfile: the seccomp profile.</summary>
public sealed class SeccompProfile
{
    /// <summary><c>RuntimeDefault</c>, <c>Localhost</c> or <c>Unconfined</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary>The profile file for <c>Localhost</c>.</summary>
    [JsonPropertyName("localhostProfile")]
    public string? LocalhostProfile { get; set; }
}
