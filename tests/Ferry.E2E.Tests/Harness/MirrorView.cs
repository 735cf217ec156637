using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ferry.E2E.Tests.Harness;

/// <summary>A read-only view of a ReplicaMirror as stored by the simulator.</summary>
internal sealed class MirrorView(JsonObject obj)
{
    /// <summary>The whole object.</summary>
    public JsonObject Object => obj;

    /// <summary><c>metadata.generation</c>.</summary>
    public long Generation => (long)obj["metadata"]!["generation"]!;

    /// <summary><c>status.observedGeneration</c>.</summary>
    public long? ObservedGeneration => (long?)obj["status"]?["observedGeneration"];

    /// <summary><c>status.lastSyncResult</c>.</summary>
    public string? LastSyncResult => (string?)obj["status"]?["lastSyncResult"];

    /// <summary><c>status.lastManualTrigger</c>.</summary>
    public string? LastManualTrigger => (string?)obj["status"]?["lastManualTrigger"];

    /// <summary><c>status.missedIntervals</c>, 0 when absent.</summary>
    public long MissedIntervals => (long?)obj["status"]?["missedIntervals"] ?? 0;

    /// <summary><c>status.continuous</c>, or null.</summary>
    public JsonObject? Continuous => obj["status"]?["continuous"] as JsonObject;

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public JsonObject? Condition(string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    /// <summary>The status of <paramref name="type"/>'s condition (<c>True</c>, <c>False</c>, <c>Unknown</c>), or null.</summary>
    public string? ConditionStatus(string type) => (string?)Condition(type)?["status"];

    /// <summary>The status entry of a destination, or null.</summary>
    public JsonObject? Destination(string name) =>
        (obj["status"]?["destinations"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(d => (string?)d["name"] == name);

    /// <summary><c>destinations[name].lastResult.result</c>.</summary>
    public string? LastResult(string name) => (string?)Destination(name)?["lastResult"]?["result"];

    /// <summary><c>destinations[name].lastResult.syncJob</c>.</summary>
    public string? LastResultSyncJob(string name) => (string?)Destination(name)?["lastResult"]?["syncJob"];

    /// <summary><c>destinations[name].lastSuccessfulSyncStartTime</c>, or null.</summary>
    public DateTimeOffset? LastSuccessStart(string name) =>
        Destination(name)?["lastSuccessfulSyncStartTime"] is JsonValue v ? DateTimeOffset.Parse((string)v!, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary><c>destinations[name].consecutiveFailures</c>, 0 when absent.</summary>
    public long ConsecutiveFailures(string name) => (long?)Destination(name)?["consecutiveFailures"] ?? 0;

    /// <inheritdoc/>
    public override string ToString() => obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
