using System.Globalization;
using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>One entry of <c>metadata.managedFields</c>: the fields one manager owns through one operation
/// (<c>Apply</c> or <c>Update</c>), for one API version (updates) and subresource.</summary>
/// <remarks>meta/v1 ManagedFieldsEntry. Entries are identified by manager, operation and subresource, updates also by
/// <c>apiVersion</c> (apimachinery's <c>BuildManagerIdentifier</c>); they are stored sorted by operation, time, manager,
/// apiVersion and subresource, and an entry that owns nothing is dropped.</remarks>
internal sealed class ManagedFieldsEntry
{
    /// <summary>The operation of <c>application/apply-patch</c> requests.</summary>
    public const string Apply = "Apply";

    /// <summary>The operation of every other write (create, update, patch).</summary>
    public const string Update = "Update";

    public required string Manager { get; init; }

    public required string Operation { get; init; }

    public required string ApiVersion { get; set; }

    public string? Subresource { get; init; }

    /// <summary>RFC 3339, or null.</summary>
    public string? Time { get; set; }

    public FieldSet Fields { get; set; } = new();

    /// <summary>Whether this entry is the one of (<paramref name="manager"/>, <paramref name="operation"/>,
    /// <paramref name="apiVersion"/>, <paramref name="subresource"/>).</summary>
    public bool Is(string manager, string operation, string apiVersion, string? subresource) =>
        Manager == manager && Operation == operation && (Subresource ?? "") == (subresource ?? "") && (operation == Apply || ApiVersion == apiVersion);

    /// <summary>The manager as conflict messages name it: <c>"helm"</c>, <c>"kubectl-edit" using apps/v1</c>,
    /// <c>"kubelet" with subresource "status" using v1</c>.</summary>
    public string Describe()
    {
        var text = Quote(Manager);
        if (!string.IsNullOrEmpty(Subresource))
        {
            text += $" with subresource {Quote(Subresource)}";
        }

        return Operation == Update ? $"{text} using {ApiVersion}" : text;
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, FieldType.Json);

    /// <summary>The entries of <paramref name="managedFields"/>; malformed ones are skipped.</summary>
    public static List<ManagedFieldsEntry> Decode(JsonNode? managedFields)
    {
        var entries = new List<ManagedFieldsEntry>();
        foreach (var item in (managedFields as JsonArray ?? []).OfType<JsonObject>())
        {
            if (item["operation"] is JsonValue op && op.TryGetValue<string>(out var operation) && operation is Apply or Update)
            {
                entries.Add(new ManagedFieldsEntry
                {
                    Manager = Text(item["manager"]) ?? "",
                    Operation = operation,
                    ApiVersion = Text(item["apiVersion"]) ?? "",
                    Subresource = Text(item["subresource"]),
                    Time = Text(item["time"]),
                    Fields = FieldSet.FromFieldsV1(item["fieldsV1"]),
                });
            }
        }

        return entries;
    }

    /// <summary>The <c>managedFields</c> array of <paramref name="entries"/>, sorted, without empty ones.</summary>
    public static JsonArray Encode(IEnumerable<ManagedFieldsEntry> entries)
    {
        static long Seconds(string? time) =>
            DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUnixTimeSeconds() : 0;
        var array = new JsonArray();
        foreach (var e in entries.Where(e => !e.Fields.IsEmpty)
                     .OrderBy(e => e.Operation, StringComparer.Ordinal).ThenBy(e => Seconds(e.Time))
                     .ThenBy(e => e.Manager, StringComparer.Ordinal).ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
                     .ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal))
        {
            var item = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
            };
            if (e.Time is not null)
            {
                item["time"] = e.Time;
            }

            item["fieldsType"] = "FieldsV1";
            item["fieldsV1"] = e.Fields.ToFieldsV1();
            if (!string.IsNullOrEmpty(e.Subresource))
            {
                item["subresource"] = e.Subresource;
            }

            array.Add(item);
        }

        return array;
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
