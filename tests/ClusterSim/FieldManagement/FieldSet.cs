using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>A set of field paths, stored as the tree <c>managedFields[].fieldsV1</c> encodes it: each child is keyed by a
/// path element (<c>f:NAME</c> a field, <c>k:{"name":"x"}</c> a list item by its keys, <c>v:VALUE</c> a set item,
/// <c>i:N</c> an index), and a node is a member of the set when it is a leaf (<c>{}</c>) or carries <c>"."</c>.</summary>
/// <remarks>structured-merge-diff's <c>fieldpath.Set</c> and its FieldsV1 serialization (Kubernetes "Server-Side Apply",
/// "Field management"). Children are kept in ordinal order of their element strings.</remarks>
internal sealed class FieldSet
{
    private readonly SortedDictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    /// <summary>Whether this node's own path is in the set.</summary>
    public bool Member { get; set; }

    /// <summary>The children, by path element.</summary>
    public IReadOnlyDictionary<string, FieldSet> Children => _children;

    /// <summary>Whether no path is in the set.</summary>
    public bool IsEmpty => !Member && _children.Values.All(c => c.IsEmpty);

    /// <summary>The child for <paramref name="element"/>, created when absent.</summary>
    public FieldSet Child(string element)
    {
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }

    /// <summary>The child for <paramref name="element"/>, or null.</summary>
    public FieldSet? Find(string element) => _children.GetValueOrDefault(element);

    /// <summary>Adds the path <paramref name="path"/> (a sequence of elements; empty: this node).</summary>
    public void Insert(IEnumerable<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            node = node.Child(element);
        }

        node.Member = true;
    }

    /// <summary>Whether <paramref name="path"/> is in the set.</summary>
    public bool Contains(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (node.Find(element) is not { } next)
            {
                return false;
            }

            node = next;
        }

        return node.Member;
    }

    /// <summary>Whether the set holds <paramref name="path"/> or any path below it.</summary>
    public bool ContainsOrUnder(IReadOnlyList<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (node.Find(element) is not { } next)
            {
                return false;
            }

            node = next;
        }

        return !node.IsEmpty;
    }

    /// <summary>Every path in the set, parents before children, children in element order.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var path = new List<string>();
        return Walk(this, path);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> path)
        {
            if (node.Member)
            {
                yield return path.ToArray();
            }

            foreach (var (element, child) in node._children)
            {
                path.Add(element);
                foreach (var p in Walk(child, path))
                {
                    yield return p;
                }

                path.RemoveAt(path.Count - 1);
            }
        }
    }

    /// <summary>A deep copy.</summary>
    public FieldSet Clone()
    {
        var copy = new FieldSet { Member = Member };
        foreach (var (element, child) in _children)
        {
            copy._children[element] = child.Clone();
        }

        return copy;
    }

    /// <summary>The paths in this set or <paramref name="other"/>.</summary>
    public FieldSet Union(FieldSet other)
    {
        var result = Clone();
        result.UnionWith(other);
        return result;
    }

    private void UnionWith(FieldSet other)
    {
        Member |= other.Member;
        foreach (var (element, child) in other._children)
        {
            Child(element).UnionWith(child);
        }
    }

    /// <summary>The paths in this set that are not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet { Member = Member && !other.Member };
        foreach (var (element, child) in _children)
        {
            var rest = other.Find(element) is { } o ? child.Difference(o) : child.Clone();
            if (!rest.IsEmpty)
            {
                result._children[element] = rest;
            }
        }

        return result;
    }

    /// <summary>The paths in both sets.</summary>
    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet { Member = Member && other.Member };
        foreach (var (element, child) in _children)
        {
            if (other.Find(element) is { } o && child.Intersection(o) is { IsEmpty: false } both)
            {
                result._children[element] = both;
            }
        }

        return result;
    }

    /// <summary>Reads <c>fieldsV1</c>: an object whose keys are path elements and <c>"."</c>.</summary>
    public static FieldSet FromFieldsV1(JsonNode? fields)
    {
        var set = new FieldSet();
        if (fields is not JsonObject o)
        {
            return set;
        }

        if (o.Count == 0)
        {
            set.Member = true;
            return set;
        }

        foreach (var (key, value) in o)
        {
            if (key == ".")
            {
                set.Member = true;
            }
            else
            {
                set._children[key] = FromFieldsV1(value);
            }
        }

        return set;
    }

    /// <summary>Writes <c>fieldsV1</c>: <c>"."</c> first for a member with children, then the children.</summary>
    public JsonObject ToFieldsV1()
    {
        var result = new JsonObject();
        var children = _children.Where(c => !c.Value.IsEmpty).ToList();
        if (Member && children.Count > 0)
        {
            result["."] = new JsonObject();
        }

        foreach (var (element, child) in children)
        {
            result[element] = child.ToFieldsV1();
        }

        return result;
    }

    /// <summary>A path as the API server prints it in conflicts: <c>.spec.template.spec.containers[name="app"].image</c>,
    /// <c>.metadata.labels.app</c>, <c>.spec.finalizers[="a"]</c>, <c>.items[0]</c>.</summary>
    public static string Render(IReadOnlyList<string> path) =>
        string.Concat(path.Select(element => element[..2] switch
        {
            "f:" => "." + element[2..],
            "k:" => "[" + string.Join(",", (JsonNode.Parse(element[2..]) as JsonObject ?? []).Select(k => $"{k.Key}={k.Value?.ToJsonString()}")) + "]",
            "v:" => "[=" + element[2..] + "]",
            "i:" => "[" + element[2..] + "]",
            _ => element,
        }));
}
