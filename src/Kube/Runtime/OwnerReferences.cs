using k8s;
using k8s.Models;

namespace Ferry.Kube.Runtime;

/// <summary>Builds and reads controller ownerReferences.</summary>
/// <remarks>controller-runtime's <c>SetControllerReference</c>: <c>controller</c> and <c>blockOwnerDeletion</c> true, so
/// garbage collection deletes the dependent with its owner (foreground deletion waits for it).</remarks>
public static class OwnerReferences
{
    /// <summary>The controller ownerReference pointing at <paramref name="owner"/>.</summary>
    /// <param name="owner">The owner; its apiVersion, kind, name and uid are copied.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="owner"/> is null.</exception>
    public static V1OwnerReference ControllerOf(IKubernetesObject<V1ObjectMeta> owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new V1OwnerReference
        {
            ApiVersion = owner.ApiVersion,
            Kind = owner.Kind,
            Name = owner.Metadata.Name ?? "",
            Uid = owner.Metadata.Uid ?? "",
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }

    /// <summary>Whether <paramref name="owner"/> is the controller of <paramref name="dependent"/> (a controller
    /// ownerReference with the owner's uid).</summary>
    /// <param name="dependent">The object that may be owned.</param>
    /// <param name="owner">The owner.</param>
    /// <returns><see langword="true"/> if so.</returns>
    public static bool IsControlledBy(IKubernetesObject<V1ObjectMeta> dependent, IKubernetesObject<V1ObjectMeta> owner) =>
        dependent.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == owner.Metadata.Uid) == true;

    /// <summary>The name of <paramref name="dependent"/>'s controller of kind <paramref name="kind"/>, or
    /// <see langword="null"/>.</summary>
    /// <param name="dependent">The object.</param>
    /// <param name="kind">The owner's kind, e.g. <c>ReplicaMirror</c>.</param>
    /// <returns>The owner's name.</returns>
    public static string? ControllerName(IKubernetesObject<V1ObjectMeta> dependent, string kind) =>
        dependent.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == kind)?.Name;
}
