using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ferry.ClusterSim.Api;

/// <summary>Reads a YAML (or JSON) document into a <see cref="JsonNode"/> with YAML 1.2 core-schema scalars.</summary>
internal static partial class YamlJson
{
    /// <summary>Parses the first document of <paramref name="text"/>.</summary>
    /// <exception cref="StatusException">400 BadRequest when the text is not YAML.</exception>
    public static JsonNode? Parse(string text)
    {
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                // Fall through: flow-style YAML.
            }
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw StatusException.BadRequest($"error decoding YAML: {e.Message}");
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        // Round-trip through text so every value is backed by a JsonElement (uniform GetValue<T>).
        return JsonNode.Parse(Convert(stream.Documents[0].RootNode)?.ToJsonString() ?? "null");
    }

    /// <summary>Every non-empty document of a multi-document YAML stream.</summary>
    /// <exception cref="StatusException">400 BadRequest when the text is not YAML.</exception>
    public static List<JsonNode> ParseAll(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw StatusException.BadRequest($"error decoding YAML: {e.Message}");
        }

        return stream.Documents
            .Select(d => Convert(d.RootNode))
            .Where(n => n is not null)
            .Select(n => JsonNode.Parse(n!.ToJsonString())!)
            .ToList();
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                {
                    var o = new JsonObject();
                    foreach ((YamlNode? k, YamlNode? v) in map.Children)
                    {
                        o[((YamlScalarNode)k).Value ?? ""] = Convert(v);
                    }

                    return o;
                }

            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(Convert).ToArray());
            case YamlScalarNode s:
                if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                {
                    return JsonValue.Create(s.Value ?? "");
                }

                string text = s.Value ?? "";
                if (text is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (text is "true" or "True" or "TRUE")
                {
                    return JsonValue.Create(true);
                }

                if (text is "false" or "False" or "FALSE")
                {
                    return JsonValue.Create(false);
                }

                if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                {
                    return JsonValue.Create(l);
                }

                if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                {
                    return JsonValue.Create(d);
                }

                return JsonValue.Create(text);
            default:
                return null;
        }
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
