using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Patching;

/// <summary>A simplified server-side apply merge: create-or-merge an applied configuration, removing fields a
/// manager applied before and no longer applies.</summary>
/// <remarks>Real server-side apply tracks field ownership per manager (managedFields) and reports conflicts with
/// other managers; the simulator keeps each manager's last applied configuration instead, never reports
/// conflicts, merges lists of objects keyed by <c>name</c> (or <c>type</c>, as conditions are) and replaces other
/// lists atomically.</remarks>
internal static class ApplyPatch
{
    /// <summary>Merges <paramref name="config"/> into <paramref name="live"/> after removing the fields that
    /// <paramref name="previous"/> (this manager's last configuration) set and <paramref name="config"/> omits.</summary>
    public static JsonObject Apply(JsonObject live, JsonObject config, JsonObject? previous)
    {
        if (previous is not null)
        {
            RemoveDropped(live, config, previous);
        }

        return (JsonObject)Merge(live, config)!;
    }

    private static void RemoveDropped(JsonObject live, JsonObject config, JsonObject previous)
    {
        foreach (var (key, before) in previous)
        {
            if (!config.TryGetPropertyValue(key, out var now))
            {
                if (key is not ("apiVersion" or "kind" or "metadata"))
                {
                    live.Remove(key);
                }
            }
            else if (before is JsonObject b && now is JsonObject n && live[key] is JsonObject l)
            {
                RemoveDropped(l, n, b);
            }
        }
    }

    private static JsonNode? Merge(JsonNode? live, JsonNode? config)
    {
        switch (config)
        {
            case JsonObject co:
                {
                    var result = live as JsonObject ?? new JsonObject();
                    foreach (var (key, value) in co)
                    {
                        result[key] = Merge(result[key]?.DeepClone(), value);
                    }

                    return result;
                }

            case JsonArray ca when live is JsonArray la && KeyOf(ca) is { } key && KeyOf(la) == key:
                {
                    var result = new JsonArray();
                    var configByKey = ca.OfType<JsonObject>().ToDictionary(o => o[key]!.ToJsonString());
                    foreach (var item in la.OfType<JsonObject>())
                    {
                        var k = item[key]!.ToJsonString();
                        result.Add(configByKey.Remove(k, out var c) ? Merge(item.DeepClone(), c) : item.DeepClone());
                    }

                    foreach (var c in ca.OfType<JsonObject>().Where(c => configByKey.ContainsKey(c[key]!.ToJsonString())))
                    {
                        result.Add(c.DeepClone());
                    }

                    return result;
                }

            default:
                return config?.DeepClone();
        }
    }

    private static string? KeyOf(JsonArray array)
    {
        if (array.Count == 0 || !array.All(i => i is JsonObject))
        {
            return null;
        }

        foreach (var key in new[] { "name", "type" })
        {
            if (array.All(i => i![key] is JsonValue))
            {
                return key;
            }
        }

        return null;
    }
}
