using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitionStatus.</summary>
public sealed class CustomResourceDefinitionStatus
{
    /// <summary><c>Established</c>, <c>NamesAccepted</c>, …</summary>
    [JsonPropertyName("conditions")]
    public List<CustomResourceDefinitionCondition>? Conditions { get; set; }

    /// <summary>The names actually served.</summary>
    [JsonPropertyName("acceptedNames")]
    public CustomResourceDefinitionNames? AcceptedNames { get; set; }

    /// <summary>Versions ever stored.</summary>
    [JsonPropertyName("storedVersions")]
    public List<string>? StoredVersions { get; set; }
}
