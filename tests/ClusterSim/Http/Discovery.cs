using System.Text.Json.Nodes;
using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.Http;

/// <summary>The legacy (unaggregated) discovery documents: <c>/api</c>, <c>/apis</c>, <c>/apis/GROUP</c>,
/// <c>/api/v1</c>, <c>/apis/GROUP/VERSION</c>.</summary>
/// <remarks>Aggregated discovery (<c>apidiscovery.k8s.io/v2</c>) is not served: the documents are always
/// <c>application/json</c>, which clients take as the legacy format and then fetch each group version.</remarks>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    private static IEnumerable<(string Name, string[] Verbs)> Subresources(ResourceType t) => (t.Group, t.Plural) switch
    {
        ("", "pods") => [("log", ["get"])],
        ("", "serviceaccounts") => [("token", ["create"])],
        _ => [],
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    private static List<(string Group, List<string> Versions)> Groups(ResourceRegistry registry)
    {
        var groups = new List<(string Group, List<string> Versions)>();
        foreach (ResourceType? t in registry.Types.Where(t => t.Group.Length > 0))
        {
            (string Group, List<string> Versions) entry = groups.FirstOrDefault(g => g.Group == t.Group);
            if (entry.Group is null)
            {
                entry = (t.Group, new List<string>());
                groups.Add(entry);
            }

            foreach (string? v in t.Versions.Select(v => v.Name).Where(v => !entry.Versions.Contains(v)))
            {
                entry.Versions.Add(v);
            }
        }

        return groups;
    }

    private static JsonObject Group(string group, List<string> versions)
    {
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    public static JsonObject GroupList(ResourceRegistry registry) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(Groups(registry).Select(g => (JsonNode)Group(g.Group, g.Versions)).ToArray()),
    };

    public static JsonObject? GroupDocument(ResourceRegistry registry, string group)
    {
        (string Group, List<string> Versions) g = Groups(registry).FirstOrDefault(x => x.Group == group);
        if (g.Group is null)
        {
            return null;
        }

        JsonObject doc = Group(g.Group, g.Versions);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.Types.Where(t => t.Group == group && t.FindVersion(version) is not null).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (ResourceType? t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray((t.Verbs ?? Verbs).Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            };
            if (t.ShortNames.Count > 0)
            {
                r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
            }

            if (t.Categories.Count > 0)
            {
                r["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
            }

            resources.Add(r);
            foreach ((string? sub, string[]? verbs) in Subresources(t))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = sub == "token" ? "TokenRequest" : t.Kind,
                    ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
                });
            }

            if (t.FindVersion(version)!.StatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
