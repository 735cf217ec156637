using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 ResourceRequirements: requests and limits as quantities (e.g. <c>cpu: 500m</c>, <c>memory: 1Gi</c>).</summary>
public sealed class ResourceRequirements
{
    /// <summary>Maximum resources.</summary>
    [JsonPropertyName("limits")]
    public Dictionary<string, string>? Limits { get; set; }

    /// <summary>Resources reserved for scheduling.</summary>
    [JsonPropertyName("requests")]
    public Dictionary<string, string>? Requests { get; set; }
}
