using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Api;

/// <summary>Parses a JSON request body the way the API server's decoder does: a field given twice keeps its last value,
/// and every repetition is reported (<c>duplicate field "spec.workers"</c> under <c>fieldValidation=Strict</c>).</summary>
internal static class StrictJson
{
    /// <summary>Parses <paramref name="text"/>; the paths of repeated fields go to <paramref name="duplicates"/>.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static JsonNode? Parse(string text, List<string> duplicates)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            throw new JsonException("empty body");
        }

        JsonNode? node = ReadValue(ref reader, "", duplicates);
        if (reader.Read())
        {
            throw new JsonException("unexpected data after the top-level value");
        }

        return node;
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path, List<string> duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var obj = new JsonObject();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        string name = reader.GetString()!;
                        reader.Read();
                        string childPath = path.Length == 0 ? name : $"{path}.{name}";
                        JsonNode? value = ReadValue(ref reader, childPath, duplicates);
                        if (obj.ContainsKey(name))
                        {
                            duplicates.Add(childPath);
                            obj.Remove(name);
                        }

                        obj[name] = value;
                    }

                    return obj;
                }

            case JsonTokenType.StartArray:
                {
                    var array = new JsonArray();
                    int i = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        array.Add(ReadValue(ref reader, $"{path}[{i++}]", duplicates));
                    }

                    return array;
                }

            case JsonTokenType.Null:
                return null;
            default:
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    return JsonNode.Parse(doc.RootElement.GetRawText());
                }
        }
    }
}
