using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Auth;

/// <summary>The default ClusterRoles and ClusterRoleBindings every cluster starts with that the simulator needs:
/// <c>cluster-admin</c> (bound to <c>system:masters</c>), <c>system:discovery</c>, <c>system:basic-user</c> and
/// <c>system:public-info-viewer</c> (bound to <c>system:authenticated</c>): discovery, OpenAPI, version and health paths,
/// and the self-subject reviews behind <c>kubectl auth can-i</c> and <c>kubectl auth whoami</c>.</summary>
/// <remarks>Kubernetes "Using RBAC Authorization", "Default roles and role bindings".</remarks>
internal static class BootstrapPolicy
{
    public static IEnumerable<JsonObject> ClusterRoles()
    {
        yield return Role("cluster-admin",
            new JsonObject { ["apiGroups"] = Strings("*"), ["resources"] = Strings("*"), ["verbs"] = Strings("*") },
            new JsonObject { ["nonResourceURLs"] = Strings("*"), ["verbs"] = Strings("*") });
        yield return Role("system:discovery", new JsonObject
        {
            ["nonResourceURLs"] = Strings("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"),
            ["verbs"] = Strings("get"),
        });
        yield return Role("system:basic-user",
            new JsonObject { ["apiGroups"] = Strings("authorization.k8s.io"), ["resources"] = Strings("selfsubjectaccessreviews", "selfsubjectrulesreviews"), ["verbs"] = Strings("create") },
            new JsonObject { ["apiGroups"] = Strings("authentication.k8s.io"), ["resources"] = Strings("selfsubjectreviews"), ["verbs"] = Strings("create") });
        yield return Role("system:public-info-viewer", new JsonObject
        {
            ["nonResourceURLs"] = Strings("/healthz", "/livez", "/readyz", "/version", "/version/"),
            ["verbs"] = Strings("get"),
        });
    }

    public static IEnumerable<JsonObject> ClusterRoleBindings()
    {
        yield return Binding("cluster-admin", "system:masters");
        yield return Binding("system:discovery", "system:authenticated");
        yield return Binding("system:basic-user", "system:authenticated");
        yield return Binding("system:public-info-viewer", "system:authenticated");
    }

    private static JsonObject Metadata(string name) => new()
    {
        ["name"] = name,
        ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        ["annotations"] = new JsonObject { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" },
    };

    private static JsonObject Role(string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRole",
        ["metadata"] = Metadata(name),
        ["rules"] = new JsonArray(rules),
    };

    private static JsonObject Binding(string role, string group) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = Metadata(role),
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Group", ["name"] = group }),
    };

    private static JsonArray Strings(params string[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
