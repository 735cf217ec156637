using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Auth;

/// <summary>Role-based access control over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
/// (<c>rbac.authorization.k8s.io/v1</c>), as the API server's RBAC authorizer decides.</summary>
/// <remarks>Kubernetes "Using RBAC Authorization": a ClusterRoleBinding grants its ClusterRole's rules everywhere; a
/// RoleBinding grants its Role's (or ClusterRole's) rules in its own namespace only. A rule matches when its
/// <c>verbs</c>, <c>apiGroups</c> and <c>resources</c> (<c>resource/subresource</c>, <c>*</c>, <c>*/subresource</c>) match
/// and, when set, <c>resourceNames</c> holds the name; <c>nonResourceURLs</c> match paths (a trailing <c>*</c> is a
/// prefix). Subjects: ServiceAccount (name, namespace), User, Group. Members of <c>system:masters</c> are never
/// restricted. Not modelled: ClusterRole aggregation, the escalation and bind checks on writing roles and bindings.</remarks>
public sealed class RbacAuthorizer(ClusterStore store)
{
    /// <summary>Whether <paramref name="user"/> may do what <paramref name="request"/> asks.</summary>
    public bool Allows(UserInfo user, RequestAttributes request) =>
        user.IsMaster || Rules(user, request.Namespace).Any(r => Matches(r, request));

    /// <summary>The rules that apply to <paramref name="user"/> in <paramref name="ns"/> (cluster-wide ones included;
    /// null: the cluster-wide ones only).</summary>
    public IReadOnlyList<JsonObject> Rules(UserInfo user, string? ns)
    {
        var rules = new List<JsonObject>();
        foreach (JsonObject binding in List("clusterrolebindings", null))
        {
            if (Bound(binding, user) && RoleRules(binding, null) is { } found)
            {
                rules.AddRange(found);
            }
        }

        if (ns is not null)
        {
            foreach (JsonObject binding in List("rolebindings", ns))
            {
                if (Bound(binding, user) && RoleRules(binding, ns) is { } found)
                {
                    rules.AddRange(found);
                }
            }
        }

        return rules;
    }

    private IReadOnlyList<JsonObject> List(string plural, string? ns) =>
        store.Registry.Find("rbac.authorization.k8s.io", plural) is { } type ? store.List(type, ns, ListOptions.All).Items : [];

    private IEnumerable<JsonObject>? RoleRules(JsonObject binding, string? ns)
    {
        string? kind = JsonValues.String(binding["roleRef"]?["kind"]);
        string name = JsonValues.String(binding["roleRef"]?["name"]) ?? "";
        (string? plural, string? roleNs) = kind == "Role" && ns is not null ? ("roles", ns) : ("clusterroles", (string?)null);
        try
        {
            JsonObject role = store.Get(store.Type("rbac.authorization.k8s.io", plural), roleNs, name);
            return (role["rules"] as JsonArray ?? []).OfType<JsonObject>();
        }
        catch (StatusException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private static bool Bound(JsonObject binding, UserInfo user)
    {
        string? bindingNs = JsonValues.String(binding["metadata"]?["namespace"]);
        foreach (JsonObject subject in (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string name = JsonValues.String(subject["name"]) ?? "";
            switch (JsonValues.String(subject["kind"]))
            {
                case "ServiceAccount":
                    string? ns = JsonValues.String(subject["namespace"]) ?? bindingNs;
                    if (user.Name == $"system:serviceaccount:{ns}:{name}")
                    {
                        return true;
                    }

                    break;
                case "User" when user.Name == name:
                case "Group" when user.Groups.Contains(name):
                    return true;
            }
        }

        return false;
    }

    private static bool Matches(JsonObject rule, RequestAttributes request)
    {
        if (!Has(rule["verbs"], request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return (rule["nonResourceURLs"] as JsonArray ?? []).Select(JsonValues.String).Any(u =>
                u == "*" || u == request.Path || (u is not null && u.EndsWith('*') && request.Path.StartsWith(u[..^1], StringComparison.Ordinal)));
        }

        if (!Has(rule["apiGroups"], request.Group))
        {
            return false;
        }

        string combined = request.Subresource is null ? request.Resource! : $"{request.Resource}/{request.Subresource}";
        var resources = (rule["resources"] as JsonArray ?? []).Select(JsonValues.String).ToList();
        if (!resources.Any(r => r == "*" || r == combined || (request.Subresource is not null && (r == $"*/{request.Subresource}" || r == $"{request.Resource}/*"))))
        {
            return false;
        }

        var names = (rule["resourceNames"] as JsonArray ?? []).Select(JsonValues.String).ToList();
        return names.Count == 0 || (request.Name is not null && names.Contains(request.Name));
    }

    private static bool Has(JsonNode? list, string value) =>
        (list as JsonArray ?? []).Select(JsonValues.String).Any(v => v == "*" || v == value);

    /// <summary>The 403 the API server answers a denied request with.</summary>
    public static StatusException Forbidden(UserInfo user, RequestAttributes request)
    {
        if (!request.IsResourceRequest)
        {
            return new StatusException(403, "Forbidden", $"forbidden: User \"{user.Name}\" cannot {request.Verb} path \"{request.Path}\"", new JsonObject());
        }

        string resource = request.Subresource is null ? request.Resource! : $"{request.Resource}/{request.Subresource}";
        string why = request.Namespace is { Length: > 0 } ns
            ? $"User \"{user.Name}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" in the namespace \"{ns}\""
            : $"User \"{user.Name}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" at the cluster scope";
        string qualified = request.Group.Length == 0 ? request.Resource! : $"{request.Resource}.{request.Group}";
        string subject = request.Name is { Length: > 0 } name ? $"{qualified} \"{name}\"" : qualified;
        return new StatusException(403, "Forbidden", $"{subject} is forbidden: {why}",
            new JsonObject { ["name"] = request.Name, ["group"] = request.Group, ["kind"] = request.Resource });
    }
}
