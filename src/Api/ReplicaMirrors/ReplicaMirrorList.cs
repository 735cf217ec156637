using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>A list of ReplicaMirrors, as the API server returns it (<c>ReplicaMirrorList</c>), for KubernetesClient's
/// <c>GenericClient.ListNamespacedAsync&lt;ReplicaMirrorList&gt;</c> and <c>CustomObjects</c> calls.</summary>
/// <remarks>Kubernetes API conventions, "Lists and Simple kinds". KubernetesClient's <c>KubernetesList&lt;T&gt;</c> is not
/// an <see cref="IKubernetesObject"/>, which <c>GenericClient</c> requires of a list type.</remarks>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = ReplicaMirror.KindName + "List", PluralName = ReplicaMirror.PluralName)]
public sealed class ReplicaMirrorList : IKubernetesObject<V1ListMeta>, IItems<ReplicaMirror>
{
    /// <summary>The API group and version, <c>ferry.io/v1alpha1</c>.</summary>
    /// <value><c>ferry.io/v1alpha1</c>.</value>
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>The kind, <c>ReplicaMirrorList</c>.</summary>
    /// <value><c>ReplicaMirrorList</c>.</value>
    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = ReplicaMirror.KindName + "List";

    /// <summary>The list's resourceVersion and continue token.</summary>
    [JsonPropertyOrder(-1)]
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The ReplicaMirrors, in the server's order.</summary>
    /// <value>Empty when there are none.</value>
    public IList<ReplicaMirror> Items { get; set; } = [];
}
