using System.Text.Json.Nodes;
using Ferry.ClusterSim.OpenApi;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>The typed operations of server-side apply on JSON objects: the field set of an applied configuration, the
/// comparison of two versions of an object, the merge of a configuration into a live object, and removing a field.</summary>
/// <remarks>structured-merge-diff's <c>ToFieldSet</c>, <c>Compare</c> and <c>Merge</c> as the API server's field manager
/// uses them. A configuration owns its leaves, its list items (the item itself and its fields), empty objects and
/// <c>null</c>s, and every entry of a map; a comparison reports leaves and list items that were added, modified or
/// removed, and objects that appeared or went (of a built-in kind only maps, see <see cref="Compare"/>). Every object's <c>metadata</c> is typed as
/// <c>ObjectMeta</c>.</remarks>
internal static class TypedFields
{
    /// <summary>The type of field <paramref name="name"/> of <paramref name="parent"/>; <c>metadata</c> at the root is
    /// <c>ObjectMeta</c>; an undeclared field is untyped.</summary>
    public static FieldType Child(FieldType parent, string name, bool root) =>
        root && name == "metadata" ? FieldType.Of(UpstreamOpenApi.ObjectMeta) : parent.Field(name) ?? FieldType.Untyped;

    /// <summary>The fields <paramref name="config"/> sets.</summary>
    public static FieldSet ToFieldSet(JsonObject config, FieldType type)
    {
        var set = new FieldSet();
        Visit(config, type, [], set, root: true);
        return set;
    }

    private static void Visit(JsonNode? value, FieldType type, List<string> path, FieldSet set, bool root = false)
    {
        switch (type.Kind)
        {
            case FieldKind.Struct or FieldKind.Map or FieldKind.Untyped when value is JsonObject o:
                foreach (var (key, child) in o)
                {
                    path.Add("f:" + key);
                    Visit(child, Child(type, key, root), path, set);
                    if (child is null || child is JsonObject { Count: 0 } || !type.Declares(key) && !root)
                    {
                        set.Insert(path);
                    }

                    path.RemoveAt(path.Count - 1);
                }

                return;
            case FieldKind.ListSet or FieldKind.ListMap when value is JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    path.Add(type.ItemElement(a[i], i));
                    Visit(a[i], type.Items, path, set);
                    set.Insert(path);
                    path.RemoveAt(path.Count - 1);
                }

                return;
            default:
                set.Insert(path);
                return;
        }
    }

    /// <summary>What changed from <paramref name="before"/> to <paramref name="after"/> (either may be null: absent).
    /// With <paramref name="structs"/> an object that appears or goes counts itself, struct or map (unstructured custom
    /// resources); without, only maps do (a built-in kind's structs exist, empty, in the Go type's zero value, which
    /// the API server compares a create against).</summary>
    public static Comparison Compare(JsonObject? before, JsonObject? after, FieldType type, bool structs)
    {
        var result = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
        Diff(before is not null, before, after is not null, after, type, [], result, structs, root: true);
        return result;
    }

    private static void Diff(bool hasA, JsonNode? a, bool hasB, JsonNode? b, FieldType type, List<string> path, Comparison result, bool structs, bool root = false)
    {
        switch (type.Kind)
        {
            case FieldKind.Struct or FieldKind.Map or FieldKind.Untyped when (!hasA || a is JsonObject) && (!hasB || b is JsonObject):
                {
                    var left = a as JsonObject;
                    var right = b as JsonObject;
                    if ((left is null || left.Count == 0) && (right is null || right.Count == 0))
                    {
                        Leaf(hasA, a, hasB, b, path, result);
                        return;
                    }

                    if (!root && (structs || type.Kind != FieldKind.Struct))
                    {
                        if (left is null)
                        {
                            result.Added.Insert(path);
                        }
                        else if (right is null)
                        {
                            result.Removed.Insert(path);
                        }
                    }

                    foreach (var key in (left ?? []).Select(p => p.Key).Union((right ?? []).Select(p => p.Key)).ToList())
                    {
                        path.Add("f:" + key);
                        var inA = left?.ContainsKey(key) == true;
                        var inB = right?.ContainsKey(key) == true;
                        Diff(inA, inA ? left![key] : null, inB, inB ? right![key] : null, Child(type, key, root), path, result, structs);
                        path.RemoveAt(path.Count - 1);
                    }

                    return;
                }

            case FieldKind.ListSet or FieldKind.ListMap when (!hasA || a is JsonArray) && (!hasB || b is JsonArray):
                {
                    var left = a as JsonArray ?? [];
                    var right = b as JsonArray ?? [];
                    if (left.Count == 0 && right.Count == 0)
                    {
                        Leaf(hasA, a, hasB, b, path, result);
                        return;
                    }

                    var before = Items(left, type);
                    var after = Items(right, type);
                    foreach (var (element, item) in after)
                    {
                        path.Add(element);
                        var existed = before.TryGetValue(element, out var old);
                        if (!existed)
                        {
                            result.Added.Insert(path);
                        }

                        Diff(existed, old, true, item, type.Items, path, result, structs);
                        path.RemoveAt(path.Count - 1);
                    }

                    foreach (var (element, item) in before.Where(p => !after.ContainsKey(p.Key)))
                    {
                        path.Add(element);
                        result.Removed.Insert(path);
                        Diff(true, item, false, null, type.Items, path, result, structs);
                        path.RemoveAt(path.Count - 1);
                    }

                    return;
                }

            default:
                Leaf(hasA, a, hasB, b, path, result);
                return;
        }
    }

    private static void Leaf(bool hasA, JsonNode? a, bool hasB, JsonNode? b, List<string> path, Comparison result)
    {
        if (!hasA && hasB)
        {
            result.Added.Insert(path);
        }
        else if (hasA && !hasB)
        {
            result.Removed.Insert(path);
        }
        else if (hasA && !JsonNode.DeepEquals(a, b))
        {
            result.Modified.Insert(path);
        }
    }

    private static Dictionary<string, JsonNode?> Items(JsonArray list, FieldType type)
    {
        var items = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            items.TryAdd(type.ItemElement(list[i], i), list[i]);
        }

        return items;
    }

    /// <summary><paramref name="config"/> merged into <paramref name="live"/> (neither changed): struct and map fields
    /// merged recursively, map-list items merged by key and set items united (live order first, new ones after), scalars,
    /// atomic values and atomic lists replaced.</summary>
    public static JsonObject Merge(JsonObject live, JsonObject config, FieldType type) =>
        (JsonObject)Merge(live.DeepClone(), config, type, root: true)!;

    private static JsonNode? Merge(JsonNode? live, JsonNode? config, FieldType type, bool root = false)
    {
        switch (type.Kind)
        {
            case FieldKind.Struct or FieldKind.Map or FieldKind.Untyped when config is JsonObject co:
                {
                    var result = live as JsonObject ?? new JsonObject();
                    foreach (var (key, value) in co)
                    {
                        result[key] = Merge(result[key]?.DeepClone(), value, Child(type, key, root));
                    }

                    return result;
                }

            case FieldKind.ListSet or FieldKind.ListMap when config is JsonArray ca && live is JsonArray la:
                {
                    var incoming = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                    var order = new List<string>();
                    for (var i = 0; i < ca.Count; i++)
                    {
                        var element = type.ItemElement(ca[i], i);
                        if (incoming.TryAdd(element, ca[i]))
                        {
                            order.Add(element);
                        }
                    }

                    var result = new JsonArray();
                    for (var i = 0; i < la.Count; i++)
                    {
                        var element = type.ItemElement(la[i], i);
                        result.Add(incoming.Remove(element, out var c) ? Merge(la[i]?.DeepClone(), c, type.Items) : la[i]?.DeepClone());
                    }

                    foreach (var element in order.Where(incoming.ContainsKey))
                    {
                        result.Add(incoming[element]?.DeepClone());
                    }

                    return result;
                }

            default:
                return config?.DeepClone();
        }
    }

    /// <summary>Removes the field or list item at <paramref name="path"/> from <paramref name="obj"/>, if present.</summary>
    public static void Remove(JsonObject obj, IReadOnlyList<string> path, FieldType type)
    {
        if (path.Count == 0)
        {
            return;
        }

        JsonNode? node = obj;
        var current = type;
        var root = true;
        for (var i = 0; i < path.Count; i++)
        {
            var element = path[i];
            var last = i == path.Count - 1;
            if (element.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject o)
            {
                var name = element[2..];
                if (last)
                {
                    o.Remove(name);
                    return;
                }

                node = o[name];
                current = Child(current, name, root);
            }
            else if (node is JsonArray a)
            {
                var index = Enumerable.Range(0, a.Count).FirstOrDefault(j => current.ItemElement(a[j], j) == element, -1);
                if (index < 0)
                {
                    return;
                }

                if (last)
                {
                    a.RemoveAt(index);
                    return;
                }

                node = a[index];
                current = current.Items;
            }
            else
            {
                return;
            }

            root = false;
        }
    }
}
