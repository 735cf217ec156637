using System.Text;

namespace Ferry.Kube.Client;

/// <summary>Where a kind lives in the REST API: group, version, plural resource name, kind and scope.</summary>
/// <param name="Group">The API group; empty for the core group (<c>/api/v1</c>).</param>
/// <param name="Version">The version, e.g. <c>v1</c> or <c>v1alpha1</c>.</param>
/// <param name="Plural">The plural resource name used in URLs, e.g. <c>leases</c>.</param>
/// <param name="Kind">The kind, e.g. <c>Lease</c>.</param>
/// <param name="Namespaced"><see langword="true"/> for namespaced resources, <see langword="false"/> for cluster-scoped ones.</param>
/// <remarks>Kubernetes API concepts, "Resource URIs": <c>/apis/GROUP/VERSION/namespaces/NAMESPACE/PLURAL/NAME[/SUBRESOURCE]</c>.</remarks>
public sealed record ResourceDescriptor(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    /// <summary>The apiVersion objects of this kind carry: <c>GROUP/VERSION</c>, or <c>VERSION</c> for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Builds the relative request path for a collection, an object, or an object's subresource.</summary>
    /// <param name="namespace">The namespace; required for namespaced resources except for an all-namespaces list (name null).</param>
    /// <param name="name">The object's name, or <see langword="null"/> for the collection.</param>
    /// <param name="subresource">A subresource such as <c>status</c>, or <see langword="null"/>.</param>
    /// <returns>A path without query string, e.g. <c>/apis/coordination.k8s.io/v1/namespaces/ns/leases/l</c>.</returns>
    /// <exception cref="ArgumentException">A namespaced object is addressed without a namespace, or a cluster-scoped one with a namespace.</exception>
    public string Path(string? @namespace, string? name = null, string? subresource = null)
    {
        var sb = new StringBuilder(Group.Length == 0 ? "/api/" : "/apis/");
        if (Group.Length != 0)
        {
            sb.Append(Group).Append('/');
        }

        sb.Append(Version);
        if (Namespaced)
        {
            if (!string.IsNullOrEmpty(@namespace))
            {
                sb.Append("/namespaces/").Append(Uri.EscapeDataString(@namespace));
            }
            else if (name is not null)
            {
                throw new ArgumentException($"{Kind} is namespaced: a namespace is required.", nameof(@namespace));
            }
        }
        else if (!string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{Kind} is cluster-scoped: no namespace may be given.", nameof(@namespace));
        }

        sb.Append('/').Append(Plural);
        if (name is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            sb.Append('/').Append(Uri.EscapeDataString(name));
            if (subresource is not null)
            {
                sb.Append('/').Append(subresource);
            }
        }

        return sb.ToString();
    }
}
