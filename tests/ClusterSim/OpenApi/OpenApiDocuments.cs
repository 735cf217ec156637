using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.OpenApi;

/// <summary>The OpenAPI v3 discovery the API server serves: <c>/openapi/v3</c> (one entry per group version, with a
/// content hash) and <c>/openapi/v3/api/v1</c>, <c>/openapi/v3/apis/GROUP/VERSION</c>.</summary>
/// <remarks>Built-in group versions are served from the upstream Kubernetes 1.32 documents
/// (<see cref="UpstreamOpenApi"/>), restricted to the served resources; custom resources get documents built from their
/// CRD as the apiextensions-apiserver builds them: the version's schema (with <c>metadata</c> as <c>ObjectMeta</c>) tagged
/// with <c>x-kubernetes-group-version-kind</c>, and list, create, get, replace, patch (JSON patch, merge patch, apply;
/// no strategic merge patch) and delete operations carrying the <c>dryRun</c>, <c>fieldManager</c>,
/// <c>fieldValidation</c> and <c>force</c> query parameters. kubectl and Helm look for <c>fieldValidation</c> on a kind's
/// PATCH operation to leave validation to the server, and for the strategic merge patch media type to choose
/// their patch type.</remarks>
internal static class OpenApiDocuments
{
    private static readonly string[] MetaSchemas =
    [
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    ];

    private static readonly Lazy<JsonObject> MetaComponents = new(() =>
    {
        JsonElement schemas = UpstreamOpenApi.Document("apis/apps/v1")!.RootElement.GetProperty("components").GetProperty("schemas");
        var names = new SortedSet<string>(MetaSchemas, StringComparer.Ordinal);
        foreach (string name in MetaSchemas)
        {
            UpstreamOpenApi.CollectRefs(schemas.GetProperty(name), schemas, names);
        }

        var result = new JsonObject();
        foreach (string name in names)
        {
            result[name] = JsonNode.Parse(schemas.GetProperty(name).GetRawText());
        }

        return result;
    });

    private static readonly ConditionalWeakTable<string, string> Hashes = new();

    /// <summary>The index document: every served group version with its document's URL and hash.</summary>
    public static JsonObject Index(ResourceRegistry registry)
    {
        var paths = new JsonObject();
        foreach (string gv in GroupVersions(registry))
        {
            if (Document(registry, gv) is { } text)
            {
                paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(text)}" };
            }
        }

        return new JsonObject { ["paths"] = paths };
    }

    private static IEnumerable<string> GroupVersions(ResourceRegistry registry) =>
        registry.Types.SelectMany(t => t.Versions.Select(v => UpstreamOpenApi.GroupVersionPath(t.Group, v.Name))).Distinct().Order(StringComparer.Ordinal);

    /// <summary>A content hash (the built-in documents are cached strings, so theirs is computed once).</summary>
    private static string Hash(string text) =>
        Hashes.GetValue(text, t => Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(t)))[..32]);

    /// <summary>The document of one group version (<c>api/v1</c>, <c>apis/GROUP/VERSION</c>) as JSON text, or null when
    /// nothing is served there.</summary>
    public static string? Document(ResourceRegistry registry, string groupVersionPath)
    {
        (string? group, string? version) = groupVersionPath.Split('/') switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => ((string?)null, (string?)null),
        };
        if (group is null || version is null)
        {
            return null;
        }

        var types = registry.Types.Where(t => t.Group == group && t.FindVersion(version) is not null).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var builtIn = types.Where(t => !t.IsCustom).ToList();
        if (builtIn.Count > 0 && UpstreamOpenApi.ServedDocument(groupVersionPath, builtIn) is { } served)
        {
            return served;
        }

        return CustomDocument(types.Where(t => t.IsCustom).ToList(), version).ToJsonString();
    }

    private static JsonObject CustomDocument(List<ResourceType> types, string version)
    {
        JsonObject schemas = MetaComponents.Value.DeepClone().AsObject();
        var paths = new JsonObject();
        foreach (ResourceType t in types)
        {
            string reversed = string.Join('.', t.Group.Split('.').Reverse());
            string kindName = $"{reversed}.{version}.{t.Kind}";
            string listName = $"{reversed}.{version}.{t.ListKind}";
            schemas[kindName] = KindSchema(t, version);
            schemas[listName] = ListSchema(t, version, kindName);
            var gvk = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = version };
            string root = $"/apis/{t.Group}/{version}/";
            string collection = root + (t.Namespaced ? "namespaces/{namespace}/" : "") + t.Plural;
            string kindRef = UpstreamOpenApi.SchemaRefPrefix + kindName;
            string listRef = UpstreamOpenApi.SchemaRefPrefix + listName;
            paths[collection] = new JsonObject
            {
                ["get"] = Operation($"list{t.Kind}", "list", gvk, listRef, []),
                ["post"] = Operation($"create{t.Kind}", "post", gvk, kindRef, ["dryRun", "fieldManager", "fieldValidation"], JsonBody(kindRef)),
                ["delete"] = Operation($"deletecollection{t.Kind}", "deletecollection", gvk, "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status", []),
                ["parameters"] = PathParameters(t.Namespaced, named: false),
            };
            paths[collection + "/{name}"] = ItemOperations(t, gvk, kindRef, "");
            if (t.FindVersion(version)!.StatusSubresource)
            {
                paths[collection + "/{name}/status"] = ItemOperations(t, gvk, kindRef, "Status");
            }

            if (t.Namespaced)
            {
                paths[root + t.Plural] = new JsonObject { ["get"] = Operation($"list{t.Kind}ForAllNamespaces", "list", gvk, listRef, []) };
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes CRD Swagger", ["version"] = "v0.1.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject ItemOperations(ResourceType t, JsonObject gvk, string kindRef, string suffix)
    {
        var item = new JsonObject
        {
            ["get"] = Operation($"read{t.Kind}{suffix}", "get", gvk, kindRef, []),
            ["put"] = Operation($"replace{t.Kind}{suffix}", "put", gvk, kindRef, ["dryRun", "fieldManager", "fieldValidation"], JsonBody(kindRef)),
            ["patch"] = Operation($"patch{t.Kind}{suffix}", "patch", gvk, kindRef, ["dryRun", "fieldManager", "fieldValidation", "force"], PatchBody()),
            ["parameters"] = PathParameters(t.Namespaced, named: true),
        };
        if (suffix.Length == 0)
        {
            item["delete"] = Operation($"delete{t.Kind}", "delete", gvk, "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status", ["dryRun"]);
        }

        return item;
    }

    private static JsonObject KindSchema(ResourceType t, string version)
    {
        JsonObject schema = t.FindVersion(version)!.Schema?.DeepClone().AsObject() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        JsonObject properties = (schema["properties"] ??= new JsonObject()).AsObject();
        properties["apiVersion"] = new JsonObject
        {
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
            ["type"] = "string",
        };
        properties["kind"] = new JsonObject
        {
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
            ["type"] = "string",
        };
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }),
            ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = version });
        return schema;
    }

    private static JsonObject ListSchema(ResourceType t, string version, string kindName) => new()
    {
        ["description"] = $"{t.ListKind} is a list of {t.Kind}",
        ["type"] = "object",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string" },
            ["kind"] = new JsonObject { ["type"] = "string" },
            ["items"] = new JsonObject
            {
                ["description"] = $"List of {t.Plural}.",
                ["type"] = "array",
                ["items"] = new JsonObject { ["$ref"] = UpstreamOpenApi.SchemaRefPrefix + kindName },
            },
            ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" }) },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = t.Group, ["kind"] = t.ListKind, ["version"] = version }),
    };

    private static JsonArray PathParameters(bool namespaced, bool named)
    {
        var list = new JsonArray();
        if (named)
        {
            list.Add(new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["description"] = "the name of the object", ["schema"] = StringSchema() });
        }

        if (namespaced)
        {
            list.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["description"] = "object name and auth scope, such as for teams and projects", ["schema"] = StringSchema() });
        }

        return list;
    }

    private static JsonObject StringSchema() => new() { ["type"] = "string", ["uniqueItems"] = true };

    private static JsonObject Operation(string id, string action, JsonObject gvk, string responseRef, string[] query, JsonObject? body = null)
    {
        var op = new JsonObject
        {
            ["operationId"] = id,
            ["parameters"] = new JsonArray(query.Select(q => (JsonNode)new JsonObject { ["name"] = q, ["in"] = "query", ["schema"] = q == "force" ? new JsonObject { ["type"] = "boolean", ["uniqueItems"] = true } : StringSchema() }).ToArray()),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = responseRef } },
                        ["application/yaml"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = responseRef } },
                    },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        if (body is not null)
        {
            op["requestBody"] = body;
        }

        return op;
    }

    private static JsonObject JsonBody(string kindRef) => new()
    {
        ["content"] = new JsonObject
        {
            ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = kindRef } },
            ["application/yaml"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = kindRef } },
        },
        ["required"] = true,
    };

    private static JsonObject PatchBody()
    {
        var content = new JsonObject();
        foreach (string? media in new[] { "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json" })
        {
            content[media] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" } };
        }

        return new JsonObject { ["content"] = content, ["required"] = true };
    }
}
