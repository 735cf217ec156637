using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ferry.E2E.Tests.Harness;

/// <summary>A read-only view of a SyncJob as stored by the simulator (the JSON the API server returns).</summary>
internal sealed class SyncJobView(JsonObject obj)
{
    /// <summary>The whole object.</summary>
    public JsonObject Object => obj;

    /// <summary><c>metadata.uid</c>: the run's id (<c>ferry.io/run</c> label).</summary>
    public string Uid => (string)obj["metadata"]!["uid"]!;

    /// <summary><c>metadata.generation</c>.</summary>
    public long Generation => (long)obj["metadata"]!["generation"]!;

    /// <summary><c>status.phase</c>, or null.</summary>
    public string? Phase => (string?)obj["status"]?["phase"];

    /// <summary><c>status.observedGeneration</c>, or null.</summary>
    public long? ObservedGeneration => Number(obj["status"]?["observedGeneration"]);

    /// <summary><c>status.lastError</c>, or null.</summary>
    public string? LastError => (string?)obj["status"]?["lastError"];

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public JsonObject? Condition(string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    /// <summary>Whether the condition of <paramref name="type"/> has status <c>True</c>.</summary>
    public bool Is(string type) => (string?)Condition(type)?["status"] == "True";

    /// <summary><c>status.progress.FIELD</c> (camelCase), or null when absent.</summary>
    public long? Progress(string field) => Number(obj["status"]?["progress"]?[field]);

    /// <summary><c>status.tasks.FIELD</c>, or null when absent.</summary>
    public long? Tasks(string field) => Number(obj["status"]?["tasks"]?[field]);

    /// <summary><c>status.workers.FIELD</c>, or null when absent.</summary>
    public long? Workers(string field) => Number(obj["status"]?["workers"]?[field]);

    /// <inheritdoc/>
    public override string ToString() => obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static long? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue(out long n) ? n : node is JsonValue d && d.TryGetValue(out double x) ? (long)x : null;
}
