using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Patching;

/// <summary>JSON Patch (RFC 6902): <c>add</c>, <c>remove</c>, <c>replace</c>, <c>move</c>, <c>copy</c>, <c>test</c>.</summary>
internal static class JsonPatch
{
    /// <summary>Applies <paramref name="operations"/> to <paramref name="document"/> (modified in place).</summary>
    /// <exception cref="StatusException">422 Invalid when an operation cannot be applied or a test fails.</exception>
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = new JsonObject { ["doc"] = document };
        foreach (JsonObject op in operations.OfType<JsonObject>())
        {
            string? kind = op["op"]?.GetValue<string>();
            string path = "/doc" + (op["path"]?.GetValue<string>() ?? "");
            switch (kind)
            {
                case "add":
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        string from = "/doc" + op["from"]?.GetValue<string>();
                        JsonNode? value = Remove(root, from);
                        Add(root, path, value);
                        break;
                    }

                case "copy":
                    Add(root, path, Get(root, "/doc" + op["from"]?.GetValue<string>())?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                    {
                        throw Fail($"testing value {op["path"]} failed");
                    }

                    break;
                default:
                    throw Fail($"Unexpected kind: {kind}");
            }
        }

        JsonNode result = root["doc"]!;
        root.Remove("doc");
        return result;
    }

    private static StatusException Fail(string message) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: {message}");

    private static string[] Split(string pointer) =>
        pointer.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (string s in Split(pointer))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(s) => o[s],
                JsonArray a when int.TryParse(s, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < a.Count => a[i],
                _ => throw Fail($"path {pointer[4..]} does not exist"),
            };
        }

        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode root, string pointer)
    {
        string[] parts = Split(pointer);
        string parentPointer = "/" + string.Join('/', parts[..^1].Select(p => p.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        return (Get(root, parentPointer) ?? throw Fail($"path {pointer[4..]} does not exist"), parts[^1]);
    }

    private static void Add(JsonNode root, string pointer, JsonNode? value)
    {
        (JsonNode? parent, string? last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out int i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Fail($"path {pointer[4..]} cannot be added to");
        }
    }

    private static JsonNode? Remove(JsonNode root, string pointer)
    {
        (JsonNode? parent, string? last) = Parent(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                {
                    JsonNode? value = o[last];
                    o.Remove(last);
                    return value;
                }

            case JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out int i) && i >= 0 && i < a.Count:
                {
                    JsonNode? value = a[i];
                    a.RemoveAt(i);
                    return value;
                }

            default:
                throw Fail($"path {pointer[4..]} does not exist");
        }
    }
}
