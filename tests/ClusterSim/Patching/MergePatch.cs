using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Patching;

/// <summary>JSON merge patch (RFC 7386) and the subset of strategic merge patch that kubectl sends.</summary>
internal static class MergePatch
{
    /// <summary>Applies an RFC 7386 merge patch: objects merge, <c>null</c> deletes, anything else replaces.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        JsonObject result = target as JsonObject ?? new JsonObject();
        foreach ((string? key, JsonNode? value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key]?.DeepClone(), value);
            }
        }

        return result;
    }

    /// <summary>Applies a strategic merge patch as a merge patch, with these strategic additions: lists of
    /// objects that all carry <c>name</c> merge by name, <c>$patch: delete|replace</c> is honoured, and the
    /// other <c>$</c> directives (<c>$setElementOrder</c>, <c>$retainKeys</c>, ...) are ignored.</summary>
    /// <remarks>The real server merges lists by the <c>patchMergeKey</c> of each Go field; the simulator only knows
    /// the common <c>name</c> key.</remarks>
    public static JsonNode? ApplyStrategic(JsonNode? target, JsonNode? patch)
    {
        switch (patch)
        {
            case JsonObject po:
                {
                    string? directive = po["$patch"]?.GetValue<string>();
                    if (directive == "replace")
                    {
                        JsonObject clean = po.DeepClone().AsObject();
                        clean.Remove("$patch");
                        return StripDirectives(clean);
                    }

                    JsonObject result = target as JsonObject ?? new JsonObject();
                    foreach ((string? key, JsonNode? value) in po)
                    {
                        if (key.StartsWith('$'))
                        {
                            continue;
                        }

                        if (value is null || (value is JsonObject vo && vo["$patch"]?.GetValue<string>() == "delete"))
                        {
                            result.Remove(key);
                        }
                        else
                        {
                            result[key] = ApplyStrategic(result[key]?.DeepClone(), value);
                        }
                    }

                    return result;
                }

            case JsonArray pa when target is JsonArray ta && IsNamedList(pa) && IsNamedList(ta):
                {
                    var result = new JsonArray();
                    var patchByName = pa.OfType<JsonObject>().ToDictionary(o => o["name"]!.GetValue<string>());
                    foreach (JsonObject item in ta.OfType<JsonObject>())
                    {
                        string name = item["name"]!.GetValue<string>();
                        if (patchByName.Remove(name, out JsonObject? p))
                        {
                            if (p["$patch"]?.GetValue<string>() != "delete")
                            {
                                result.Add(ApplyStrategic(item.DeepClone(), p));
                            }
                        }
                        else
                        {
                            result.Add(item.DeepClone());
                        }
                    }

                    foreach (JsonObject? p in pa.OfType<JsonObject>().Where(p => patchByName.ContainsKey(p["name"]!.GetValue<string>())))
                    {
                        if (p["$patch"]?.GetValue<string>() != "delete")
                        {
                            result.Add(StripDirectives(p.DeepClone()));
                        }
                    }

                    return result;
                }

            default:
                return patch is null ? null : StripDirectives(patch.DeepClone());
        }
    }

    private static bool IsNamedList(JsonArray array) =>
        array.Count > 0 && array.All(i => i is JsonObject o && o["name"] is JsonValue);

    private static JsonNode StripDirectives(JsonNode node)
    {
        if (node is JsonObject o)
        {
            foreach (string? key in o.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList())
            {
                o.Remove(key);
            }

            foreach ((string _, JsonNode? v) in o)
            {
                if (v is not null)
                {
                    StripDirectives(v);
                }
            }
        }
        else if (node is JsonArray a)
        {
            foreach (JsonNode? v in a)
            {
                if (v is not null)
                {
                    StripDirectives(v);
                }
            }
        }

        return node;
    }
}
