using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Serialization;

/// <summary>Source-generated System.Text.Json metadata for the KubernetesClient models Ferry reads and writes, with the
/// package's conventions: camelCase, nulls omitted, RFC 3339 times (its <see cref="KubernetesJson.KubernetesDateTimeConverter"/>),
/// quantities and int-or-strings (the converters the models carry).</summary>
/// <remarks>The package's own <see cref="SourceGenerationContext"/> serves all ~1,200 models: finding a type in it walks
/// a chain of type tests that loads most of them, and a runner paid for that at start-up (bench/startup.sh). This
/// context holds only the kinds Ferry uses and what they reach. Use it through <see cref="KubeJson"/>.</remarks>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1ListMeta))]
[JsonSerializable(typeof(V1DeleteOptions))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(V1CustomResourceDefinition))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
