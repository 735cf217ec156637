using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.OpenApi;

/// <summary>The Kubernetes 1.32 OpenAPI v3 documents bundled with the simulator (<c>kubernetes-1.32/README.md</c>):
/// the documents served for built-in group versions (only the paths of served resources and the schemas they
/// reference), and the schemas of built-in kinds for pruning, strict decoding and server-side apply.</summary>
/// <remarks>Parsed once per process into immutable <see cref="JsonDocument"/>s (safe to read from any thread).</remarks>
internal static class UpstreamOpenApi
{
    /// <summary>The <c>$ref</c> prefix of component schemas.</summary>
    public const string SchemaRefPrefix = "#/components/schemas/";

    private static readonly ConcurrentDictionary<string, Lazy<JsonDocument?>> Documents = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<string?>> Served = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string, string, string), SchemaHandle?> Kinds = new();

    /// <summary>The group-version path of an API version: <c>api/v1</c> for the core group, else <c>apis/GROUP/VERSION</c>.</summary>
    public static string GroupVersionPath(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    /// <summary>The upstream document of a group version (<c>api/v1</c>, <c>apis/apps/v1</c>), or null when not bundled.</summary>
    public static JsonDocument? Document(string groupVersionPath) =>
        Documents.GetOrAdd(groupVersionPath, gv => new Lazy<JsonDocument?>(() => Load(gv))).Value;

    private static JsonDocument? Load(string groupVersionPath)
    {
        string name = $"openapi/{groupVersionPath.Replace("/", "__", StringComparison.Ordinal)}_openapi.json";
        using Stream? stream = typeof(UpstreamOpenApi).Assembly.GetManifestResourceStream(name);
        return stream is null ? null : JsonDocument.Parse(stream);
    }

    /// <summary>The schema of a built-in kind (the component tagged with its <c>x-kubernetes-group-version-kind</c>), or
    /// null when the bundled documents do not describe it.</summary>
    public static SchemaHandle? KindSchema(string group, string version, string kind) =>
        Kinds.GetOrAdd((group, version, kind), key =>
        {
            JsonDocument? doc = Document(GroupVersionPath(key.Item1, key.Item2));
            if (doc is null)
            {
                return null;
            }

            JsonElement schemas = doc.RootElement.GetProperty("components").GetProperty("schemas");
            foreach (JsonProperty schema in schemas.EnumerateObject())
            {
                if (schema.Value.TryGetProperty("x-kubernetes-group-version-kind", out JsonElement gvks) && gvks.EnumerateArray().Any(g =>
                        g.GetProperty("group").GetString() == key.Item1 && g.GetProperty("version").GetString() == key.Item2 && g.GetProperty("kind").GetString() == key.Item3))
                {
                    return new SchemaHandle(schema.Value, schemas);
                }
            }

            return null;
        });

    /// <summary>The metadata schema (<c>ObjectMeta</c>), used for every kind's <c>metadata</c>.</summary>
    public static SchemaHandle ObjectMeta { get; } = Named("apis/apps/v1", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");

    private static SchemaHandle Named(string groupVersionPath, string name)
    {
        JsonElement schemas = Document(groupVersionPath)!.RootElement.GetProperty("components").GetProperty("schemas");
        return new SchemaHandle(schemas.GetProperty(name), schemas);
    }

    /// <summary>The served document of a built-in group version: its paths for the resources in
    /// <paramref name="served"/> (collection, item, subresources, watch paths) and the schemas those reference.</summary>
    /// <returns>The document as JSON text, or null when the group version is not bundled.</returns>
    public static string? ServedDocument(string groupVersionPath, IReadOnlyCollection<ResourceType> served)
    {
        string key = groupVersionPath + "|" + string.Join(',', served.Select(t => t.Plural).Order(StringComparer.Ordinal));
        return Served.GetOrAdd(key, _ => new Lazy<string?>(() => BuildServed(groupVersionPath, served))).Value;
    }

    private static string? BuildServed(string groupVersionPath, IReadOnlyCollection<ResourceType> served)
    {
        JsonDocument? doc = Document(groupVersionPath);
        if (doc is null)
        {
            return null;
        }

        JsonElement root = doc.RootElement;
        string prefix = "/" + groupVersionPath + "/";
        var plurals = served.Select(t => t.Plural).ToHashSet(StringComparer.Ordinal);
        var paths = root.GetProperty("paths").EnumerateObject().Where(p => IsServedPath(p.Name, prefix, plurals)).ToList();
        JsonElement schemas = root.GetProperty("components").GetProperty("schemas");
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in paths)
        {
            CollectRefs(p.Value, schemas, needed);
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("components");
            w.WriteStartObject("schemas");
            foreach (string name in needed)
            {
                w.WritePropertyName(name);
                schemas.GetProperty(name).WriteTo(w);
            }

            w.WriteEndObject();
            w.WritePropertyName("securitySchemes");
            root.GetProperty("components").GetProperty("securitySchemes").WriteTo(w);
            w.WriteEndObject();
            w.WritePropertyName("info");
            root.GetProperty("info").WriteTo(w);
            w.WriteString("openapi", root.GetProperty("openapi").GetString());
            w.WriteStartObject("paths");
            foreach (JsonProperty p in paths)
            {
                p.WriteTo(w);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Whether an upstream path belongs to a served resource: <c>/api/v1/pods</c>, <c>/api/v1/namespaces/{namespace}/pods/{name}/log</c>,
    /// <c>/api/v1/watch/namespaces/{namespace}/pods</c>; the group version's own path (<c>/apis/apps/v1/</c>) is dropped.</summary>
    private static bool IsServedPath(string path, string prefix, HashSet<string> plurals)
    {
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        List<string> segments = path[prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Count > 0 && segments[0] == "watch")
        {
            segments.RemoveAt(0);
        }

        if (segments.Count >= 3 && segments[0] == "namespaces" && segments[1] == "{namespace}")
        {
            segments.RemoveRange(0, 2);
        }

        return segments.Count > 0 && plurals.Contains(segments[0]);
    }

    /// <summary>Adds every component schema reachable from <paramref name="node"/> to <paramref name="names"/>.</summary>
    public static void CollectRefs(JsonElement node, JsonElement schemas, ISet<string> names)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty p in node.EnumerateObject())
                {
                    if (p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { } r && r.StartsWith(SchemaRefPrefix, StringComparison.Ordinal))
                    {
                        string name = r[SchemaRefPrefix.Length..];
                        if (names.Add(name) && schemas.TryGetProperty(name, out JsonElement target))
                        {
                            CollectRefs(target, schemas, names);
                        }
                    }
                    else
                    {
                        CollectRefs(p.Value, schemas, names);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in node.EnumerateArray())
                {
                    CollectRefs(item, schemas, names);
                }

                break;
        }
    }
}
