using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;

namespace Ferry.Kube.Serialization;

/// <summary>System.Text.Json metadata for the built-in kinds: KubernetesClient's models with the package's JSON
/// conventions (camelCase, nulls omitted, its RFC 3339 time, quantity and int-or-string converters), source-generated
/// by <see cref="KubeJsonContext"/>, with metav1.MicroTime fields written by <see cref="MicroTimeConverter"/>.</summary>
/// <remarks>No reflection: every type is served by generated code, which keeps the runner's start-up short.
/// Ferry.Api brings its own context for SyncJob and ReplicaMirror and passes its
/// <see cref="JsonTypeInfo{T}"/> through a <see cref="Client.ResourceType{T}"/>.</remarks>
public static class KubeJson
{
    /// <summary>The options every built-in kind is read and written with.</summary>
    /// <value>Read-only; resolves the models Ferry uses (Lease, Status, ConfigMap, Secret, Job, Pod, Event,
    /// PersistentVolumeClaim, CustomResourceDefinition and what they contain), <see cref="System.Text.Json.Nodes.JsonObject"/>
    /// and <see cref="System.Text.Json.Nodes.JsonNode"/>.</value>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The metadata of <typeparamref name="T"/> under <see cref="Options"/>.</summary>
    /// <typeparam name="T">A KubernetesClient model such as <see cref="V1Lease"/>, or a JSON node type.</typeparam>
    /// <returns>The type's metadata.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a type the contexts know.</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(KubeJsonContext.Default.Options)
        {
            TypeInfoResolver = KubeJsonContext.Default.WithAddedModifier(UseMicroTime),
        };
        options.MakeReadOnly();
        return options;
    }

    private static void UseMicroTime(JsonTypeInfo type)
    {
        string[] fields = type.Type == typeof(V1LeaseSpec) ? ["acquireTime", "renewTime"]
            : type.Type == typeof(Corev1Event) ? ["eventTime"]
            : [];
        foreach (var property in type.Properties)
        {
            if (Array.IndexOf(fields, property.Name) >= 0)
            {
                property.CustomConverter = new MicroTimeConverter();
            }
        }
    }
}
