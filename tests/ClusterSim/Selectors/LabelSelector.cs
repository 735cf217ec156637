using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Selectors;

/// <summary>A parsed label selector: <c>=</c>, <c>==</c>, <c>!=</c>, <c>in</c>, <c>notin</c>, exists and <c>!</c>exists.</summary>
/// <remarks>Syntax of apimachinery's <c>labels.Parse</c>: comma-separated requirements, all of which must hold.</remarks>
public sealed class LabelSelector
{
    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Op Op, IReadOnlyList<string> Values);

    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements)
    {
        _requirements = requirements;
    }

    /// <summary>The selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>Parses <paramref name="text"/>; empty or <see langword="null"/> matches everything.</summary>
    /// <exception cref="StatusException">400 BadRequest when the syntax is invalid.</exception>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var parts = new List<string>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }

        parts.Add(text[start..]);
        return new LabelSelector(parts.Select(p => ParseRequirement(p.Trim(), text)).ToList());
    }

    private static Requirement ParseRequirement(string part, string whole)
    {
        StatusException Bad() => StatusException.BadRequest($"unable to parse requirement: invalid label selector: \"{whole}\"");
        if (part.Length == 0)
        {
            throw Bad();
        }

        if (part[0] == '!')
        {
            return new Requirement(CheckKey(part[1..].Trim(), Bad), Op.DoesNotExist, []);
        }

        foreach ((string? token, Op op) in new[] { ("!=", Op.NotEquals), ("==", Op.Equals), ("=", Op.Equals) })
        {
            int at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new Requirement(CheckKey(part[..at].Trim(), Bad), op, [part[(at + token.Length)..].Trim()]);
            }
        }

        int paren = part.IndexOf('(');
        if (paren > 0 && part.EndsWith(')'))
        {
            string[] head = part[..paren].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (head.Length != 2 || head[1] is not ("in" or "notin"))
            {
                throw Bad();
            }

            var values = part[(paren + 1)..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
            if (values.Count == 0)
            {
                throw Bad();
            }

            return new Requirement(CheckKey(head[0], Bad), head[1] == "in" ? Op.In : Op.NotIn, values);
        }

        return new Requirement(CheckKey(part, Bad), Op.Exists, []);
    }

    private static string CheckKey(string key, Func<StatusException> bad) =>
        key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '!' or '=' or ',') ? throw bad() : key;

    /// <summary>Whether the labels of <paramref name="obj"/> satisfy every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (Requirement r in _requirements)
        {
            string? value = null;
            bool has = labels is not null && labels.TryGetPropertyValue(r.Key, out JsonNode? node) && (value = node?.GetValue<string>()) is not null;
            bool ok = r.Op switch
            {
                Op.Exists => has,
                Op.DoesNotExist => !has,
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value),
                Op.NotIn => !has || !r.Values.Contains(value),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
