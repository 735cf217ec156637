using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.OpenApi;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>How server-side apply treats a value of a schema: a scalar or atomic value is one field; a struct's or map's
/// entries are fields of their own; a list is atomic, a set of scalars, or a map of items keyed by
/// <c>x-kubernetes-list-map-keys</c>.</summary>
/// <remarks>kube-openapi's schema conversion for structured-merge-diff: <c>x-kubernetes-list-type</c> (else
/// <c>x-kubernetes-patch-strategy: merge</c> with its merge key, or a set for scalars; else atomic),
/// <c>x-kubernetes-map-type: atomic</c>, <c>x-kubernetes-int-or-string</c> a scalar, an object without
/// <c>properties</c> or <c>additionalProperties</c> (and fields kept by <c>x-kubernetes-preserve-unknown-fields</c>)
/// untyped: its objects are maps, its lists atomic.</remarks>
internal readonly struct FieldType
{
    /// <summary>JSON as structured-merge-diff writes keys and values into path elements (no HTML escaping).</summary>
    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonElement NoSchemas = JsonDocument.Parse("{}").RootElement;

    private readonly SchemaHandle? _schema;

    private FieldType(FieldKind kind, SchemaHandle? schema, bool preservesUnknown = false)
    {
        Kind = kind;
        _schema = schema;
        PreservesUnknown = preservesUnknown;
    }

    /// <summary>What kind of value it is.</summary>
    public FieldKind Kind { get; }

    /// <summary>A struct whose undeclared fields are kept (and untyped).</summary>
    public bool PreservesUnknown { get; }

    /// <summary>An untyped value.</summary>
    public static FieldType Untyped { get; } = new(FieldKind.Untyped, null);

    /// <summary>The type of <paramref name="schema"/> (an upstream component or a CRD's structural schema).</summary>
    public static FieldType Of(SchemaHandle? schema)
    {
        if (schema is not { } handle)
        {
            return Untyped;
        }

        var s = handle.Resolve();
        var e = s.Element;
        if (e.ValueKind != JsonValueKind.Object)
        {
            return Untyped;
        }

        if (e.TryGetProperty("x-kubernetes-int-or-string", out var ios) && ios.ValueKind == JsonValueKind.True)
        {
            return new FieldType(FieldKind.Scalar, s);
        }

        var type = e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "array" || s.Items is not null)
        {
            var listType = s.ListType;
            if (listType is null && e.TryGetProperty("x-kubernetes-patch-strategy", out var strategy) && (strategy.GetString() ?? "").Split(',').Contains("merge"))
            {
                listType = s.PatchMergeKey is not null ? "map" : "set";
            }

            return new FieldType(listType switch
            {
                "map" => FieldKind.ListMap,
                "set" => FieldKind.ListSet,
                _ => FieldKind.ListAtomic,
            }, s);
        }

        if (type == "object" || s.HasProperties || s.AdditionalProperties is not null)
        {
            if (s.MapType == "atomic")
            {
                return new FieldType(FieldKind.Atomic, s);
            }

            if (s.HasProperties)
            {
                return new FieldType(FieldKind.Struct, s, s.PreservesUnknownFields);
            }

            return s.AdditionalProperties is not null ? new FieldType(FieldKind.Map, s) : Untyped;
        }

        return type is null ? Untyped : new FieldType(FieldKind.Scalar, s);
    }

    /// <summary>The type of a CRD version's <c>openAPIV3Schema</c> (a copy parsed once per schema object).</summary>
    public static FieldType OfCrdSchema(JsonObject schema) => Of(new SchemaHandle(CrdDocuments.GetValue(schema, s => JsonDocument.Parse(s.ToJsonString())).RootElement, NoSchemas));

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonObject, JsonDocument> CrdDocuments = [];

    /// <summary>The type of struct field or map entry <paramref name="name"/>; null for a struct field that is not declared
    /// (and not preserved).</summary>
    public FieldType? Field(string name)
    {
        switch (Kind)
        {
            case FieldKind.Struct:
                if (_schema!.Value.Property(name) is { } property)
                {
                    return Of(property);
                }

                return PreservesUnknown ? Untyped : null;
            case FieldKind.Map:
                return Of(_schema!.Value.AdditionalProperties);
            case FieldKind.Untyped:
                return Untyped;
            default:
                return null;
        }
    }

    /// <summary>Whether <paramref name="name"/> is a declared struct field (not a map entry).</summary>
    public bool Declares(string name) => Kind == FieldKind.Struct && _schema!.Value.Property(name) is not null;

    /// <summary>The type of a list's items.</summary>
    public FieldType Items => Kind is FieldKind.ListAtomic or FieldKind.ListSet or FieldKind.ListMap ? Of(_schema!.Value.Items) : Untyped;

    /// <summary>The key fields of a map list.</summary>
    public IReadOnlyList<string> Keys => Kind == FieldKind.ListMap ? _schema!.Value.ListMapKeys : [];

    /// <summary>The path element of list item <paramref name="item"/> at <paramref name="index"/>: <c>k:{...}</c> for a map
    /// list (key fields sorted, a missing one taking its schema default), <c>v:VALUE</c> for a set, else <c>i:N</c>.</summary>
    public string ItemElement(JsonNode? item, int index)
    {
        switch (Kind)
        {
            case FieldKind.ListMap:
                {
                    var itemSchema = _schema!.Value.Items;
                    var key = new JsonObject();
                    foreach (var name in Keys.Order(StringComparer.Ordinal))
                    {
                        var value = item?[name]?.DeepClone() ?? Default(itemSchema?.Property(name));
                        if (value is not null)
                        {
                            key[name] = value;
                        }
                    }

                    return "k:" + key.ToJsonString(Json);
                }

            case FieldKind.ListSet:
                return "v:" + (item?.ToJsonString(Json) ?? "null");
            default:
                return "i:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static JsonNode? Default(SchemaHandle? schema) =>
        schema is { } s && s.Element.ValueKind == JsonValueKind.Object && s.Element.TryGetProperty("default", out var d) ? JsonNode.Parse(d.GetRawText()) : null;
}
