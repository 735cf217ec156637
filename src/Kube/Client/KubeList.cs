using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>A list response (<c>JobList</c>, <c>PodList</c>, …): list metadata and the items.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>Kubernetes API conventions, "Lists and Simple kinds". The client fills <see cref="Items"/> item by item
/// with the kind's <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/>, so any item type works,
/// also ones that are not <c>k8s.IKubernetesObject</c> (which KubernetesClient's <c>KubernetesList&lt;T&gt;</c> needs).</remarks>
public sealed class KubeList<T>
{
    /// <summary>The list's apiVersion, e.g. <c>batch/v1</c>.</summary>
    /// <value>As the server sent it; <see langword="null"/> when absent.</value>
    public string? ApiVersion { get; set; }

    /// <summary>The list kind, e.g. <c>JobList</c>.</summary>
    /// <value>As the server sent it; <see langword="null"/> when absent.</value>
    public string? Kind { get; set; }

    /// <summary>resourceVersion and the continue token (<see cref="V1ListMeta.ContinueProperty"/>).</summary>
    /// <value>Empty list metadata when the server sent none.</value>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The items of this page, in the server's order.</summary>
    /// <value>Empty when the list is.</value>
    public List<T> Items { get; set; } = [];
}
