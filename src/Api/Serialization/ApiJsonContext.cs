using System.Text.Json.Serialization;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using k8s;

namespace Ferry.Api.Serialization;

/// <summary>Source-generated System.Text.Json metadata for Ferry's custom resources: camelCase names, enums as
/// their names, <see langword="null"/> properties left out, times as RFC 3339 in UTC with a <c>Z</c> (whole seconds
/// unless the value has a fraction: KubernetesClient's converters, as for its own models).</summary>
/// <remarks>Use <c>ApiJsonContext.Default.SyncJob</c> and friends with <c>JsonSerializer</c>. Deserializing an
/// object that lacks a required field (e.g. <c>spec.source</c>) throws <see cref="System.Text.Json.JsonException"/>.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(SyncJob))]
[JsonSerializable(typeof(SyncJobSpec))]
[JsonSerializable(typeof(SyncJobStatus))]
[JsonSerializable(typeof(ReplicaMirror))]
[JsonSerializable(typeof(ReplicaMirrorSpec))]
[JsonSerializable(typeof(ReplicaMirrorStatus))]
[JsonSerializable(typeof(MirrorDestinationStatus))]
[JsonSerializable(typeof(SyncJobList))]
[JsonSerializable(typeof(ReplicaMirrorList))]
[JsonSerializable(typeof(Ferry.Api.Runs.TaskCounters))]
// metadata.managedFields[].fieldsV1 is typed object in k8s.Models: read, it is a JsonElement, which writing it back
// looks up here.
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
