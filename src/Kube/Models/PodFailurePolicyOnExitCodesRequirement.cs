using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>batch/v1 PodFailurePolicyOnExitCodesRequirement: matches terminated containers by exit code.</summary>
public sealed class PodFailurePolicyOnExitCodesRequirement
{
    /// <summary>Restrict to this container; all containers when unset.</summary>
    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }

    /// <summary><c>In</c> or <c>NotIn</c>.</summary>
    [JsonPropertyName("operator")]
    public string Operator { get; set; } = "";

    /// <summary>The exit codes (0 excluded for In).</summary>
    [JsonPropertyName("values")]
    public List<int> Values { get; set; } = new();
}
