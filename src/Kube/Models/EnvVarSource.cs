using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>core/v1 EnvVarSource: exactly one source for an environment variable's value.</summary>
public sealed class EnvVarSource
{
    /// <summary>A key of a Secret in the pod's namespace.</summary>
    [JsonPropertyName("secretKeyRef")]
    public SecretKeySelector? SecretKeyRef { get; set; }

    /// <summary>A key of a ConfigMap in the pod's namespace.</summary>
    [JsonPropertyName("configMapKeyRef")]
    public ConfigMapKeySelector? ConfigMapKeyRef { get; set; }

    /// <summary>A field of the pod, e.g. <c>metadata.name</c>.</summary>
    [JsonPropertyName("fieldRef")]
    public ObjectFieldSelector? FieldRef { get; set; }
}
