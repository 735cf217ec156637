using System.Globalization;
using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Http;

/// <summary>The JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*].b</c>,
/// <c>.a[?(@.k=="v")].b</c>, optionally wrapped in <c>{}</c>.</summary>
internal static class JsonPathLite
{
    /// <summary>The values <paramref name="path"/> selects in <paramref name="root"/>, in document order.</summary>
    public static List<JsonNode?> Select(JsonNode? root, string path)
    {
        string p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}'))
        {
            p = p[1..^1];
        }

        if (p.StartsWith('$'))
        {
            p = p[1..];
        }

        var current = new List<JsonNode?> { root };
        int i = 0;
        while (i < p.Length && current.Count > 0)
        {
            if (p[i] == '.')
            {
                int start = ++i;
                while (i < p.Length && p[i] != '.' && p[i] != '[')
                {
                    i++;
                }

                string name = p[start..i];
                if (name.Length == 0)
                {
                    continue;
                }

                current = current.Select(n => n is JsonObject o && o.TryGetPropertyValue(name, out JsonNode? v) ? (true, v) : (false, null))
                    .Where(x => x.Item1).Select(x => x.Item2).ToList();
            }
            else if (p[i] == '[')
            {
                int end = FindClose(p, i);
                string inner = p[(i + 1)..end];
                i = end + 1;
                current = Index(current, inner);
            }
            else
            {
                return [];
            }
        }

        return current;
    }

    private static int FindClose(string p, int open)
    {
        int depth = 0;
        char quote = '\0';
        for (int i = open; i < p.Length; i++)
        {
            char c = p[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && --depth == 0)
            {
                return i;
            }
        }

        return p.Length - 1;
    }

    private static List<JsonNode?> Index(List<JsonNode?> nodes, string inner)
    {
        var result = new List<JsonNode?>();
        foreach (JsonArray node in nodes.OfType<JsonArray>())
        {
            if (inner == "*")
            {
                result.AddRange(node);
            }
            else if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index))
            {
                int at = index < 0 ? node.Count + index : index;
                if (at >= 0 && at < node.Count)
                {
                    result.Add(node[at]);
                }
            }
            else if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
            {
                string expr = inner[2..^1];
                (string? field, string? op, string? literal) = ParseFilter(expr);
                foreach (JsonNode? item in node)
                {
                    JsonNode? value = Select(item, field.StartsWith('@') ? field[1..] : field).FirstOrDefault();
                    string? text = value is JsonValue v && v.TryGetValue<string>(out string? s) ? s : value?.ToJsonString();
                    if ((op == "==" && text == literal) || (op == "!=" && text != literal))
                    {
                        result.Add(item);
                    }
                }
            }
        }

        return result;
    }

    private static (string Field, string Op, string Literal) ParseFilter(string expr)
    {
        foreach (string? op in new[] { "==", "!=" })
        {
            int at = expr.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                string literal = expr[(at + op.Length)..].Trim().Trim('"', '\'');
                return (expr[..at].Trim(), op, literal);
            }
        }

        return (expr.Trim(), "==", "");
    }
}
