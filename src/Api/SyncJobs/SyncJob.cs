using System.Text.Json.Serialization;
using Ferry.Api.Schema;
using k8s;
using k8s.Models;

namespace Ferry.Api.SyncJobs;

/// <summary>A one-shot sync from a source to a destination, run by runner pods that share the work through a
/// lease-coordinated queue.</summary>
/// <remarks>DESIGN.md, "The API". The spec is immutable once the run has started (<c>status.startTime</c> set),
/// except <c>suspend</c>, <c>ttlSecondsAfterFinished</c>, <c>workers</c> and <c>runner</c>, which change how the
/// run proceeds but not what it copies.</remarks>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = PluralName)]
[CustomResource(ShortNames = ["sj"], Categories = ["ferry"])]
[ImmutableSpec("has(oldSelf.status) && has(oldSelf.status.startTime)",
    "spec is immutable once the SyncJob has started, except suspend, ttlSecondsAfterFinished, workers and runner")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Copied", "integer", ".status.progress.copied", Description = "Objects copied")]
[PrinterColumn("Scanned", "integer", ".status.progress.scanned", Description = "Source objects scanned")]
[PrinterColumn("Failed", "integer", ".status.progress.failed", Description = "Objects that failed")]
[PrinterColumn("Workers", "integer", ".status.workers.active", Description = "Runner pods active", Priority = 1)]
[PrinterColumn("Copied Bytes", "integer", ".status.progress.copiedBytes", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class SyncJob : IKubernetesObject<V1ObjectMeta>, ISpec<SyncJobSpec>, IStatus<SyncJobStatus?>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "SyncJob";

    /// <summary>The plural resource name used in URLs, <c>syncjobs</c>.</summary>
    public const string PluralName = "syncjobs";

    /// <summary>The API group and version, <c>ferry.io/v1alpha1</c>.</summary>
    /// <value><c>ferry.io/v1alpha1</c>.</value>
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>The kind, <c>SyncJob</c>.</summary>
    /// <value><c>SyncJob</c>.</value>
    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = KindName;

    /// <summary>The standard object metadata.</summary>
    [JsonPropertyOrder(-1)]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to sync and how.</summary>
    /// <remarks>Never null in an object read from the API server (the CRD requires <c>spec</c>) or from
    /// <see cref="Serialization.ManifestReader"/>, which refuses a document without one. Not a C# <c>required</c>
    /// member: KubernetesClient's watch (<c>GenericClient.WatchNamespacedAsync</c>) first decodes the stream's opening
    /// line as the watched type itself, which a required member would fail.</remarks>
    public SyncJobSpec Spec { get; set; } = null!;

    /// <summary>The observed state of the run, written by the operator through the <c>status</c> subresource.</summary>
    public SyncJobStatus? Status { get; set; }
}
