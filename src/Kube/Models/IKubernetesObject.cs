namespace Ferry.Kube.Models;

/// <summary>Any Kubernetes object: <c>apiVersion</c>, <c>kind</c> and <c>metadata</c>.</summary>
/// <remarks>Kubernetes API conventions, "Types (Kinds)": every object carries these three fields.</remarks>
public interface IKubernetesObject
{
    /// <summary>The group and version, e.g. <c>ferry.io/v1alpha1</c> or <c>v1</c> for the core group.</summary>
    string ApiVersion { get; set; }

    /// <summary>The kind, e.g. <c>SyncJob</c>.</summary>
    string Kind { get; set; }

    /// <summary>Name, namespace, labels, resourceVersion and the other standard metadata.</summary>
    ObjectMeta Metadata { get; set; }
}
