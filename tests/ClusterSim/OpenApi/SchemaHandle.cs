using System.Text.Json;

namespace Ferry.ClusterSim.OpenApi;

/// <summary>A schema inside an OpenAPI v3 document, with the document's component schemas for resolving
/// <c>$ref</c> (also wrapped in a one-element <c>allOf</c>, as the Kubernetes documents write references that carry a
/// description or default).</summary>
internal readonly record struct SchemaHandle(JsonElement Element, JsonElement Schemas)
{
    /// <summary>The schema with references followed.</summary>
    public SchemaHandle Resolve()
    {
        JsonElement current = Element;
        for (int i = 0; i < 32 && current.ValueKind == JsonValueKind.Object; i++)
        {
            if (current.TryGetProperty("$ref", out JsonElement r) && r.GetString() is { } target && target.StartsWith(UpstreamOpenApi.SchemaRefPrefix, StringComparison.Ordinal)
                && Schemas.TryGetProperty(target[UpstreamOpenApi.SchemaRefPrefix.Length..], out JsonElement next))
            {
                current = next;
            }
            else if (current.TryGetProperty("allOf", out JsonElement all) && all.GetArrayLength() == 1)
            {
                current = all[0];
            }
            else
            {
                break;
            }
        }

        return this with { Element = current };
    }

    private string? Text(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private SchemaHandle? Child(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Object
            ? new SchemaHandle(v, Schemas).Resolve()
            : null;

    /// <summary>Whether the (resolved) schema lists properties: any other field is unknown.</summary>
    public bool HasProperties => Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty("properties", out _);

    /// <summary>The schema of property <paramref name="name"/>, or null when it is not declared.</summary>
    public SchemaHandle? Property(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty("properties", out JsonElement props) && props.TryGetProperty(name, out JsonElement p)
            ? new SchemaHandle(p, Schemas).Resolve()
            : null;

    /// <summary>The schema of every value of a map, or null.</summary>
    public SchemaHandle? AdditionalProperties => Child("additionalProperties");

    /// <summary>The schema of each item of an array, or null.</summary>
    public SchemaHandle? Items => Child("items");

    /// <summary><c>x-kubernetes-preserve-unknown-fields: true</c>.</summary>
    public bool PreservesUnknownFields =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty("x-kubernetes-preserve-unknown-fields", out JsonElement v) && v.ValueKind == JsonValueKind.True;

    /// <summary><c>x-kubernetes-list-type</c> (<c>atomic</c>, <c>set</c>, <c>map</c>), or null.</summary>
    public string? ListType => Text("x-kubernetes-list-type");

    /// <summary><c>x-kubernetes-patch-merge-key</c>, or null.</summary>
    public string? PatchMergeKey => Text("x-kubernetes-patch-merge-key");

    /// <summary><c>x-kubernetes-map-type</c> (<c>atomic</c>, <c>granular</c>), or null.</summary>
    public string? MapType => Text("x-kubernetes-map-type");

    /// <summary><c>x-kubernetes-list-map-keys</c>, or the patch merge key, or empty.</summary>
    public IReadOnlyList<string> ListMapKeys
    {
        get
        {
            if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty("x-kubernetes-list-map-keys", out JsonElement keys) && keys.ValueKind == JsonValueKind.Array)
            {
                return keys.EnumerateArray().Select(k => k.GetString() ?? "").ToList();
            }

            return PatchMergeKey is { } key ? [key] : [];
        }
    }
}
