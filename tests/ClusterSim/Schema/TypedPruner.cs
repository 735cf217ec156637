using System.Text.Json.Nodes;
using Ferry.ClusterSim.OpenApi;

namespace Ferry.ClusterSim.Schema;

/// <summary>Drops the fields of a built-in object (and of any object's <c>metadata</c>) that its upstream OpenAPI
/// schema does not declare, as the API server's strict JSON decoding into the Go types does.</summary>
/// <remarks>An object schema with <c>properties</c> declares exactly those fields; one with
/// <c>additionalProperties</c> is a map; one with neither (e.g. <c>RawExtension</c>, <c>FieldsV1</c>, apiextensions
/// <c>JSON</c>) takes any value. Unknown fields are reported as paths like <c>spec.template.spec.containers[0].imagePullPolice</c>
/// (apimachinery's strict decoding error paths).</remarks>
internal static class TypedPruner
{
    /// <summary>Removes undeclared fields from <paramref name="node"/> in place and adds their paths to <paramref name="unknown"/>.</summary>
    public static void Prune(JsonNode? node, SchemaHandle schema, string path, List<string> unknown)
    {
        schema = schema.Resolve();
        switch (node)
        {
            case JsonObject o when schema.HasProperties:
                foreach ((string? name, JsonNode? value) in o.ToList())
                {
                    string childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (schema.Property(name) is { } child)
                    {
                        Prune(value, child, childPath, unknown);
                    }
                    else if (!schema.PreservesUnknownFields)
                    {
                        o.Remove(name);
                        unknown.Add(childPath);
                    }
                }

                break;
            case JsonObject o when schema.AdditionalProperties is { } values:
                foreach ((string? name, JsonNode? value) in o.ToList())
                {
                    Prune(value, values, path.Length == 0 ? name : $"{path}.{name}", unknown);
                }

                break;
            case JsonArray a when schema.Items is { } items:
                for (int i = 0; i < a.Count; i++)
                {
                    Prune(a[i], items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }
}
