using System.Text.Json.Serialization;
using Ferry.Api.Schema;
using k8s;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>Keeps one or more destinations mirrored to a source, by running one child SyncJob per destination
/// on a schedule, at an interval, back to back, or on a manual trigger.</summary>
/// <remarks>DESIGN.md, "The API". Each run of each destination is one child SyncJob, owned by the mirror (controller
/// ownerReference) and named from the mirror, the destination and the slot (<see cref="MirrorNames.ChildName"/>).</remarks>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KindName, PluralName = PluralName)]
[CustomResource(ShortNames = ["rmir"], Categories = ["ferry"])]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn("In Sync", "string", ".status.conditions[?(@.type==\"InSync\")].status")]
[PrinterColumn("Last Sync", "date", ".status.lastSyncTime")]
[PrinterColumn("Next Sync", "date", ".status.nextSyncTime")]
[PrinterColumn("Last Result", "string", ".status.lastSyncResult", Priority = 1)]
[PrinterColumn("Data Age", "string", ".status.dataAge", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class ReplicaMirror : IKubernetesObject<V1ObjectMeta>, ISpec<ReplicaMirrorSpec>, IStatus<ReplicaMirrorStatus?>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "ReplicaMirror";

    /// <summary>The plural resource name used in URLs, <c>replicamirrors</c>.</summary>
    public const string PluralName = "replicamirrors";

    /// <summary>The API group and version, <c>ferry.io/v1alpha1</c>.</summary>
    /// <value><c>ferry.io/v1alpha1</c>.</value>
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>The kind, <c>ReplicaMirror</c>.</summary>
    /// <value><c>ReplicaMirror</c>.</value>
    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = KindName;

    /// <summary>The standard object metadata.</summary>
    [JsonPropertyOrder(-1)]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to mirror where, when, and how.</summary>
    /// <remarks>Never null in an object read from the API server (the CRD requires <c>spec</c>) or from
    /// <see cref="Serialization.ManifestReader"/>, which refuses a document without one. Not a C# <c>required</c>
    /// member: KubernetesClient's watch (<c>GenericClient.WatchNamespacedAsync</c>) first decodes the stream's opening
    /// line as the watched type itself, which a required member would fail.</remarks>
    public ReplicaMirrorSpec Spec { get; set; } = null!;

    /// <summary>The observed state of the mirror, written by the operator through the <c>status</c> subresource.</summary>
    public ReplicaMirrorStatus? Status { get; set; }
}
