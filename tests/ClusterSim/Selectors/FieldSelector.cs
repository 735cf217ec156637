using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Selectors;

/// <summary>A parsed field selector: comma-separated <c>path=value</c>, <c>path==value</c>, <c>path!=value</c>.</summary>
/// <remarks>The real API server supports <c>metadata.name</c>, <c>metadata.namespace</c> and a few fields per kind;
/// the simulator accepts any dotted path into the object and compares its string form.</remarks>
public sealed class FieldSelector
{
    private sealed record Requirement(string[] Path, bool Equal, string Value);

    private readonly List<Requirement> _requirements;

    private FieldSelector(List<Requirement> requirements)
    {
        _requirements = requirements;
    }

    /// <summary>The selector that matches everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The value required for <c>metadata.name</c>, if the selector pins it.</summary>
    public string? Name => _requirements.FirstOrDefault(r => r.Equal && r.Path is ["metadata", "name"])?.Value;

    /// <summary>Parses <paramref name="text"/>; empty or <see langword="null"/> matches everything.</summary>
    /// <exception cref="StatusException">400 BadRequest when the syntax is invalid.</exception>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var list = new List<Requirement>();
        foreach (string raw in text.Split(','))
        {
            string part = raw.Trim();
            (int at, int len, bool equal) = part.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? (ne, 2, false)
                : part.IndexOf("==", StringComparison.Ordinal) is var ee and > 0 ? (ee, 2, true)
                : part.IndexOf('=') is var e and > 0 ? (e, 1, true)
                : throw StatusException.BadRequest($"invalid field selector: \"{text}\"");
            list.Add(new Requirement(part[..at].Trim().Split('.'), equal, part[(at + len)..].Trim()));
        }

        return new FieldSelector(list);
    }

    /// <summary>Whether <paramref name="obj"/> satisfies every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        foreach (Requirement r in _requirements)
        {
            JsonNode? node = obj;
            foreach (string segment in r.Path)
            {
                node = node is JsonObject o ? o[segment] : null;
            }

            string value = node switch
            {
                null => "",
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => node.ToJsonString(),
            };
            if ((value == r.Value) != r.Equal)
            {
                return false;
            }
        }

        return true;
    }
}
