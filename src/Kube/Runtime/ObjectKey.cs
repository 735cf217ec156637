using k8s;
using k8s.Models;

namespace Ferry.Kube.Runtime;

/// <summary>The cache and work-queue key of an object: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
/// <remarks>The format of client-go's <c>MetaNamespaceKeyFunc</c>.</remarks>
public static class ObjectKey
{
    /// <summary>Formats a key.</summary>
    /// <param name="namespace">The namespace, or <see langword="null"/>/empty for cluster-scoped objects.</param>
    /// <param name="name">The name.</param>
    /// <returns><c>namespace/name</c> or <c>name</c>.</returns>
    public static string Format(string? @namespace, string name) =>
        string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    /// <summary>The key of an object.</summary>
    /// <param name="value">The object; its <c>metadata.name</c> must be set.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentException">The object has no name.</exception>
    public static string Of(IKubernetesObject<V1ObjectMeta> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var name = value.Metadata?.Name;
        ArgumentException.ThrowIfNullOrEmpty(name, nameof(value));
        return Format(value.Metadata!.NamespaceProperty, name);
    }

    /// <summary>Splits a key.</summary>
    /// <param name="key">A key from <see cref="Format"/>.</param>
    /// <returns>The namespace (<see langword="null"/> for cluster-scoped) and the name.</returns>
    public static (string? Namespace, string Name) Parse(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
