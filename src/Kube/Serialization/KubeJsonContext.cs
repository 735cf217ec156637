using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ferry.Kube.Models;

namespace Ferry.Kube.Serialization;

/// <summary>Source-generated System.Text.Json metadata for the Kubernetes kinds Ferry uses.</summary>
/// <remarks>Null properties are omitted on write, as the Kubernetes API expects (<c>omitempty</c>). Other assemblies
/// (Ferry.Api) bring their own context and pass its <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/>
/// through a <see cref="Client.ResourceType{T}"/>.</remarks>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(CustomResourceDefinition))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(ObjectMeta))]
[JsonSerializable(typeof(ListMeta))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
public sealed partial class KubeJsonContext : JsonSerializerContext
{
}
