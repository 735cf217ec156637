using System.Text.Json.Serialization;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;

namespace Ferry.Api.Serialization;

/// <summary>Source-generated System.Text.Json metadata for Ferry's custom resources: camelCase names, enums as
/// their names, <see langword="null"/> properties left out.</summary>
/// <remarks>Use <c>ApiJsonContext.Default.SyncJob</c> and friends with <c>JsonSerializer</c>. Deserializing an
/// object that lacks a required field (e.g. <c>spec.source</c>) throws <see cref="System.Text.Json.JsonException"/>.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(SyncJob))]
[JsonSerializable(typeof(SyncJobSpec))]
[JsonSerializable(typeof(SyncJobStatus))]
[JsonSerializable(typeof(ReplicaMirror))]
[JsonSerializable(typeof(ReplicaMirrorSpec))]
[JsonSerializable(typeof(ReplicaMirrorStatus))]
[JsonSerializable(typeof(MirrorDestinationStatus))]
[JsonSerializable(typeof(Ferry.Api.Runs.TaskCounters))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
