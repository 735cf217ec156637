namespace Ferry.ClusterSim.Auth;

/// <summary>What a request asks to do, in the authorizer's terms (Kubernetes "Authorization overview": request
/// attributes).</summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection (resource requests), or the
/// lower-case HTTP method (non-resource requests).</param>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Resource">The resource (plural), or null for a non-resource request.</param>
/// <param name="Subresource">e.g. <c>status</c>, <c>log</c>, <c>token</c>; or null.</param>
/// <param name="Namespace">The namespace; null for cluster-scoped or all-namespace requests.</param>
/// <param name="Name">The object's name, or null for collections.</param>
/// <param name="Path">The request path (for non-resource requests).</param>
public sealed record RequestAttributes(string Verb, string Group, string? Resource, string? Subresource, string? Namespace, string? Name, string Path)
{
    /// <summary>Whether this is a request for an API resource (not a path such as <c>/version</c>).</summary>
    public bool IsResourceRequest => Resource is not null;
}
