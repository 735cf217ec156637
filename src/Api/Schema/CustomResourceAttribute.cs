namespace Ferry.Api.Schema;

/// <summary>Declares a type as the root of a namespaced custom resource, with the extra names its CRD publishes; the
/// group, version, kind and plural come from the type's KubernetesClient <c>[KubernetesEntity]</c> attribute.</summary>
/// <remarks>Kubernetes documentation, "Create a CustomResourceDefinition".</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomResourceAttribute : Attribute
{
    /// <summary>Short names for <c>kubectl</c>, e.g. <c>sj</c>.</summary>
    /// <value>None.</value>
    public string[] ShortNames { get; init; } = [];

    /// <summary>Categories the resource belongs to, e.g. <c>ferry</c> for <c>kubectl get ferry</c>.</summary>
    /// <value>None.</value>
    public string[] Categories { get; init; } = [];
}
