using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Serialization;

/// <summary>Source-generated metadata for untyped objects (<see cref="JsonObject"/>), and for the models' untyped fields (a JSON schema's <c>default</c>, read as <see cref="System.Text.Json.JsonElement"/>), which KubernetesClient's context lacks.</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
