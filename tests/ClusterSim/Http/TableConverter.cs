using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Resources;

using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Http;

/// <summary>Builds <c>meta.k8s.io/v1 Table</c> responses, the server-side printing kubectl asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>.</summary>
/// <remarks>Custom kinds: a Name column then the version's <c>additionalPrinterColumns</c> (date columns as ages,
/// like the API server's CRD table convertor); without printer columns, Name and Age. Built-in kinds: Name,
/// a Status column for namespaces and pods, and Age.</remarks>
internal static class TableConverter
{
    public static JsonObject Convert(ResourceType type, string version, IEnumerable<JsonObject> objects, JsonObject listMeta,
        string includeObject, DateTimeOffset now)
    {
        var columns = new JsonArray { Column("Name", "string", "name", "Name must be unique within a namespace.", 0) };
        var cells = new List<Func<JsonObject, JsonNode?>> { o => o["metadata"]?["name"]?.DeepClone() };
        JsonArray? printerColumns = type.FindVersion(version)?.PrinterColumns;
        if (printerColumns is { Count: > 0 })
        {
            foreach (JsonObject c in printerColumns.OfType<JsonObject>())
            {
                string colType = c["type"]?.GetValue<string>() ?? "string";
                string path = c["jsonPath"]?.GetValue<string>() ?? "";
                columns.Add(Column(c["name"]?.GetValue<string>() ?? "", colType == "date" ? "string" : colType,
                    c["format"]?.GetValue<string>() ?? "", c["description"]?.GetValue<string>() ?? "", (int)(JsonValues.Long(c["priority"]) ?? 0)));
                cells.Add(o => Cell(o, path, colType, now));
            }
        }
        else
        {
            if (type.Group.Length == 0 && type.Plural is "namespaces" or "pods")
            {
                columns.Add(Column("Status", "string", "", "The phase.", 0));
                cells.Add(o => o["status"]?["phase"]?.DeepClone());
            }

            columns.Add(Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0));
            cells.Add(o => Cell(o, ".metadata.creationTimestamp", "date", now));
        }

        var rows = new JsonArray();
        foreach (JsonObject o in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(cells.Select(f => f(o)).ToArray()) };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = o.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = o["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMeta,
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonObject Column(string name, string type, string format, string description, int priority) => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["format"] = format,
        ["description"] = description,
        ["priority"] = priority,
    };

    private static JsonNode? Cell(JsonObject obj, string path, string type, DateTimeOffset now)
    {
        List<JsonNode?> values = JsonPathLite.Select(obj, path);
        if (values.Count == 0 || values[0] is null)
        {
            return null;
        }

        JsonNode value = values[0]!;
        if (type == "date" && value is JsonValue v && v.TryGetValue<string>(out string? s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
        {
            return HumanDuration(now - t);
        }

        if (values.Count > 1 && type == "string")
        {
            return string.Join(",", values.Select(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String ? xv.GetValue<string>() : x?.ToJsonString()));
        }

        return value.DeepClone();
    }

    /// <summary>A short age like <c>45s</c>, <c>3m20s</c>, <c>5h</c>, <c>2d3h</c>, the form kubectl shows.</summary>
    internal static string HumanDuration(TimeSpan d)
    {
        long seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        long minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        long hours = minutes / 60;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }

        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }

        long years = hours / 24 / 365;
        long days = hours / 24 % 365;
        return hours < 24 * 365 * 8 && days != 0 ? $"{years}y{days}d" : $"{years}y";
    }
}
