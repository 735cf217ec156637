namespace Ferry.Api.Schema;

/// <summary>Declares a type as the root of a namespaced custom resource, with the names its CRD publishes.</summary>
/// <param name="group">The API group, e.g. <c>ferry.io</c>.</param>
/// <param name="version">The version, e.g. <c>v1alpha1</c>.</param>
/// <param name="kind">The kind, e.g. <c>SyncJob</c>.</param>
/// <param name="plural">The lower-case plural resource name, e.g. <c>syncjobs</c>.</param>
/// <remarks>Kubernetes documentation, "Create a CustomResourceDefinition".</remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomResourceAttribute(string group, string version, string kind, string plural) : Attribute
{
    /// <summary>The API group.</summary>
    public string Group { get; } = group;

    /// <summary>The version.</summary>
    public string Version { get; } = version;

    /// <summary>The kind.</summary>
    public string Kind { get; } = kind;

    /// <summary>The lower-case plural resource name.</summary>
    public string Plural { get; } = plural;

    /// <summary>Short names for <c>kubectl</c>, e.g. <c>sj</c>.</summary>
    /// <value>None.</value>
    public string[] ShortNames { get; init; } = [];

    /// <summary>Categories the resource belongs to, e.g. <c>ferry</c> for <c>kubectl get ferry</c>.</summary>
    /// <value>None.</value>
    public string[] Categories { get; init; } = [];
}
