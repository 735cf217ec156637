using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Schema;

/// <summary>Applies a CRD's structural OpenAPI v3 schema to an object: defaulting, pruning of unknown fields,
/// and validation.</summary>
/// <remarks>Follows "Specifying a structural schema", "Defaulting" and "Field pruning" in the Kubernetes CRD
/// documentation. Validated keywords: <c>type</c>, <c>nullable</c>, <c>required</c>, <c>enum</c>,
/// <c>minimum</c>/<c>maximum</c> (and <c>exclusive…</c>), <c>minLength</c>/<c>maxLength</c>, <c>pattern</c>,
/// <c>minItems</c>/<c>maxItems</c>, <c>minProperties</c>/<c>maxProperties</c>, <c>properties</c>,
/// <c>additionalProperties</c>, <c>items</c>, <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c>/<c>not</c>,
/// <c>x-kubernetes-int-or-string</c>, <c>x-kubernetes-preserve-unknown-fields</c>, <c>x-kubernetes-list-type</c>
/// uniqueness, and <c>x-kubernetes-validations</c> within the CEL subset of <see cref="CelRule"/>. Not evaluated:
/// <c>format</c>, <c>uniqueItems</c>.</remarks>
internal static class SchemaProcessor
{
    /// <summary>Defaults, prunes and validates <paramref name="obj"/> in place; returns the validation errors.</summary>
    /// <param name="obj">The object, changed in place.</param>
    /// <param name="schema">The version's <c>openAPIV3Schema</c>.</param>
    /// <param name="pruned">When given, receives the paths of the unknown fields removed.</param>
    /// <param name="old">The stored object on update (for CEL transition rules), else null.</param>
    public static List<FieldError> Process(JsonObject obj, JsonObject schema, List<string>? pruned = null, JsonObject? old = null)
    {
        Default(obj, schema);
        Prune(obj, schema, root: true, pruned: pruned);
        var errors = new List<FieldError>();
        foreach ((string? key, JsonNode? value) in obj)
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (schema["properties"]?[key] is JsonObject child)
            {
                bool hasOld = old is not null && old.TryGetPropertyValue(key, out _);
                Validate(value, child, key, errors, hasOld ? old![key] : null, hasOld);
            }
        }

        ValidateRules(obj, schema, "", errors, old, old is not null);

        if (schema["required"] is JsonArray required)
        {
            foreach (string? r in required.Select(r => r!.GetValue<string>()))
            {
                if (r is not ("apiVersion" or "kind" or "metadata") && !obj.ContainsKey(r))
                {
                    errors.Add(FieldError.Required(r));
                }
            }
        }

        return errors;
    }

    /// <summary>Fills absent (or <c>null</c>, when not nullable) properties that declare a <c>default</c>.</summary>
    public static void Default(JsonNode? node, JsonObject schema)
    {
        switch (node)
        {
            case JsonObject o:
                if (schema["properties"] is JsonObject props)
                {
                    foreach ((string? name, JsonNode? s) in props)
                    {
                        if (s is not JsonObject ps)
                        {
                            continue;
                        }

                        bool present = o.TryGetPropertyValue(name, out JsonNode? value);
                        bool nullable = JsonValues.Bool(ps["nullable"]) ?? false;
                        if (ps["default"] is { } def && (!present || (value is null && !nullable)))
                        {
                            o[name] = def.DeepClone();
                        }

                        Default(o[name], ps);
                    }
                }

                if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach ((string? name, JsonNode? value) in o.ToList())
                    {
                        if (schema["properties"]?[name] is null)
                        {
                            Default(value, additional);
                        }
                    }
                }

                break;
            case JsonArray a when schema["items"] is JsonObject items:
                foreach (JsonNode? item in a)
                {
                    Default(item, items);
                }

                break;
        }
    }

    /// <summary>Removes fields the schema does not specify, unless <c>x-kubernetes-preserve-unknown-fields</c>.</summary>
    public static void Prune(JsonNode? node, JsonObject schema, bool root = false, List<string>? pruned = null, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                {
                    var props = schema["properties"] as JsonObject;
                    bool preserve = JsonValues.Bool(schema["x-kubernetes-preserve-unknown-fields"]) ?? false;
                    bool embedded = root || (JsonValues.Bool(schema["x-kubernetes-embedded-resource"]) ?? false);
                    JsonNode? additional = schema["additionalProperties"];
                    foreach ((string? name, JsonNode? value) in o.ToList())
                    {
                        if (embedded && name is "apiVersion" or "kind" or "metadata")
                        {
                            continue;
                        }

                        string childPath = path.Length == 0 ? name : $"{path}.{name}";
                        if (props?[name] is JsonObject ps)
                        {
                            Prune(value, ps, pruned: pruned, path: childPath);
                        }
                        else if (additional is JsonObject adds)
                        {
                            Prune(value, adds, pruned: pruned, path: childPath);
                        }
                        else if (!preserve && additional is not JsonValue)
                        {
                            o.Remove(name);
                            pruned?.Add(childPath);
                        }
                    }

                    break;
                }

            case JsonArray a when schema["items"] is JsonObject items:
                for (int i = 0; i < a.Count; i++)
                {
                    Prune(a[i], items, pruned: pruned, path: $"{path}[{i}]");
                }

                break;
        }
    }

    private static string Show(JsonNode? value) => value switch
    {
        null => "\"null\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ => value.ToJsonString(),
    };

    private static string TypeOf(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static bool IsInteger(JsonValue v) =>
        v.TryGetValue<long>(out _) || (v.TryGetValue<double>(out double d) && Math.Floor(d) == d && !double.IsInfinity(d))
        || (decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal m) && decimal.Truncate(m) == m);

    /// <summary>Validates <paramref name="value"/> at <paramref name="path"/> against <paramref name="schema"/>.</summary>
    public static void Validate(JsonNode? value, JsonObject schema, string path, List<FieldError> errors, JsonNode? old = null, bool hasOld = false)
    {
        string actual = TypeOf(value);
        if (actual == "null")
        {
            if (!(JsonValues.Bool(schema["nullable"]) ?? false) && schema["type"] is JsonValue t)
            {
                errors.Add(FieldError.TypeMismatch(path, "\"null\"", t.GetValue<string>()));
            }

            return;
        }

        if (JsonValues.Bool(schema["x-kubernetes-int-or-string"]) ?? false)
        {
            if (actual is not ("integer" or "string"))
            {
                errors.Add(FieldError.TypeMismatch(path, Show(value), "integer or string"));
                return;
            }
        }
        else if (schema["type"]?.GetValue<string>() is { } expected)
        {
            bool ok = expected == actual || (expected == "number" && actual == "integer");
            if (!ok)
            {
                errors.Add(FieldError.TypeMismatch(path, Show(value), expected));
                return;
            }
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add(FieldError.NotSupported(path, Show(value), allowed.Select(Show)));
        }

        switch (value)
        {
            case JsonValue v when actual == "string":
                ValidateString(v.GetValue<string>(), schema, path, errors);
                break;
            case JsonValue v when actual is "integer" or "number":
                ValidateNumber(v, schema, path, errors);
                break;
            case JsonArray a:
                ValidateArray(a, schema, path, errors, old as JsonArray);
                break;
            case JsonObject o:
                ValidateObject(o, schema, path, errors, old as JsonObject);
                break;
        }

        ValidateCombinators(value, schema, path, errors);
        ValidateRules(value, schema, path, errors, old, hasOld);
    }

    /// <summary>Evaluates the node's <c>x-kubernetes-validations</c> with <see cref="CelRule"/>; rules outside its
    /// subset, <c>messageExpression</c> and <c>optionalOldSelf</c> are ignored.</summary>
    private static void ValidateRules(JsonNode? value, JsonObject schema, string path, List<FieldError> errors, JsonNode? old, bool hasOld)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules)
        {
            return;
        }

        foreach (JsonObject r in rules.OfType<JsonObject>())
        {
            if (JsonValues.String(r["rule"]) is not { } text || CelRule.TryCompile(text) is not { } rule || (rule.UsesOldSelf && !hasOld))
            {
                continue;
            }

            if (rule.Evaluate(value, rule.UsesOldSelf ? old : null) is false)
            {
                string message = JsonValues.String(r["message"]) ?? $"failed rule: {text}";
                string field = path + (JsonValues.String(r["fieldPath"]) ?? "");
                string reason = JsonValues.String(r["reason"]) is { Length: > 0 } given ? given : "FieldValueInvalid";
                errors.Add(new FieldError(reason, field.Length == 0 ? "<nil>" : field.TrimStart('.'), $"Invalid value: {Show(value)}: {message}"));
            }
        }
    }

    private static void ValidateString(string s, JsonObject schema, string path, List<FieldError> errors)
    {
        string shown = JsonSerializer.Serialize(s);
        int length = s.EnumerateRunes().Count();
        if (JsonValues.Long(schema["minLength"]) is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(path, shown, $"{path} in body should be at least {min} chars long"));
        }

        if (JsonValues.Long(schema["maxLength"]) is { } max && length > max)
        {
            errors.Add(new FieldError("FieldValueTooLong", path, $"Too long: may not be more than {max} bytes"));
        }

        if (schema["pattern"]?.GetValue<string>() is { } pattern
            && !Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add(FieldError.Invalid(path, shown, $"{path} in body should match '{pattern}'"));
        }
    }

    private static void ValidateNumber(JsonValue v, JsonObject schema, string path, List<FieldError> errors)
    {
        double d = JsonValues.Double(v)!.Value;
        string shown = v.ToJsonString();
        if (schema["minimum"] is JsonValue minNode)
        {
            double min = JsonValues.Double(minNode)!.Value;
            bool exclusive = JsonValues.Bool(schema["exclusiveMinimum"]) ?? false;
            if (exclusive ? d <= min : d < min)
            {
                errors.Add(FieldError.Invalid(path, shown,
                    $"{path} in body should be greater than {(exclusive ? "" : "or equal to ")}{minNode.ToJsonString()}"));
            }
        }

        if (schema["maximum"] is JsonValue maxNode)
        {
            double max = JsonValues.Double(maxNode)!.Value;
            bool exclusive = JsonValues.Bool(schema["exclusiveMaximum"]) ?? false;
            if (exclusive ? d >= max : d > max)
            {
                errors.Add(FieldError.Invalid(path, shown,
                    $"{path} in body should be less than {(exclusive ? "" : "or equal to ")}{maxNode.ToJsonString()}"));
            }
        }
    }

    private static void ValidateArray(JsonArray a, JsonObject schema, string path, List<FieldError> errors, JsonArray? old)
    {
        if (JsonValues.Long(schema["minItems"]) is { } min && a.Count < min)
        {
            errors.Add(FieldError.Invalid(path, a.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {min} items"));
        }

        if (JsonValues.Long(schema["maxItems"]) is { } max && a.Count > max)
        {
            errors.Add(FieldError.TooMany(path, a.Count, (int)max));
        }

        if (schema["items"] is JsonObject items)
        {
            var keys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList();
            for (int i = 0; i < a.Count; i++)
            {
                // Old items are known only for list-type map (matched by key), as in the API server.
                JsonObject? before = keys is { Count: > 0 } && a[i] is JsonObject item
                    ? old?.OfType<JsonObject>().FirstOrDefault(o => keys.All(k => JsonNode.DeepEquals(o[k], item[k])))
                    : null;
                Validate(a[i], items, $"{path}[{i}]", errors, before, before is not null);
            }
        }

        ValidateListType(a, schema, path, errors);
    }

    /// <summary><c>x-kubernetes-list-type: set</c> (unique items) and <c>map</c> (unique key tuples).</summary>
    private static void ValidateListType(JsonArray a, JsonObject schema, string path, List<FieldError> errors)
    {
        string? listType = schema["x-kubernetes-list-type"] is JsonValue lt && lt.TryGetValue<string>(out string? t) ? t : null;
        if (listType is not ("set" or "map"))
        {
            return;
        }

        List<string> keys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList() ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < a.Count; i++)
        {
            JsonNode? item = a[i];
            string identity;
            string shown;
            if (listType == "map" && item is JsonObject o)
            {
                var tuple = new JsonObject();
                foreach (string k in keys)
                {
                    tuple[k] = o[k]?.DeepClone();
                }

                identity = tuple.ToJsonString();
                shown = "map[string]interface {}{" + string.Join(", ", tuple.Select(p => $"\"{p.Key}\":{p.Value?.ToJsonString() ?? "<nil>"}")) + "}";
            }
            else
            {
                identity = item?.ToJsonString() ?? "null";
                shown = identity;
            }

            if (!seen.Add(identity))
            {
                errors.Add(new FieldError("FieldValueDuplicate", $"{path}[{i}]", $"Duplicate value: {shown}"));
            }
        }
    }

    private static void ValidateObject(JsonObject o, JsonObject schema, string path, List<FieldError> errors, JsonObject? old)
    {
        if (schema["required"] is JsonArray required)
        {
            foreach (string? r in required.Select(r => r!.GetValue<string>()))
            {
                if (!o.ContainsKey(r))
                {
                    errors.Add(FieldError.Required($"{path}.{r}"));
                }
            }
        }

        if (JsonValues.Long(schema["minProperties"]) is { } min && o.Count < min)
        {
            errors.Add(FieldError.Invalid(path, o.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {min} properties"));
        }

        if (JsonValues.Long(schema["maxProperties"]) is { } max && o.Count > max)
        {
            errors.Add(FieldError.Invalid(path, o.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at most {max} properties"));
        }

        var props = schema["properties"] as JsonObject;
        foreach ((string? name, JsonNode? value) in o)
        {
            bool hasOld = old is not null && old.TryGetPropertyValue(name, out _);
            JsonNode? before = hasOld ? old![name] : null;
            if (props?[name] is JsonObject ps)
            {
                Validate(value, ps, $"{path}.{name}", errors, before, hasOld);
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Validate(value, additional, $"{path}.{name}", errors, before, hasOld);
            }
        }
    }

    private static bool IsValid(JsonNode? value, JsonObject schema, string path)
    {
        var sub = new List<FieldError>();
        Validate(value, schema, path, sub);
        return sub.Count == 0;
    }

    private static void ValidateCombinators(JsonNode? value, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["allOf"] is JsonArray all)
        {
            foreach (JsonObject s in all.OfType<JsonObject>())
            {
                Validate(value, s, path, errors);
            }
        }

        if (schema["oneOf"] is JsonArray one)
        {
            int count = one.OfType<JsonObject>().Count(s => IsValid(value, s, path));
            if (count != 1)
            {
                errors.Add(FieldError.Invalid(path, Show(value),
                    count == 0 ? "must validate one and only one schema (oneOf). Found none valid"
                        : $"must validate one and only one schema (oneOf). Found {count} valid alternatives"));
            }
        }

        if (schema["anyOf"] is JsonArray any && !any.OfType<JsonObject>().Any(s => IsValid(value, s, path)))
        {
            errors.Add(FieldError.Invalid(path, Show(value), "must validate at least one schema (anyOf)"));
        }

        if (schema["not"] is JsonObject not && IsValid(value, not, path))
        {
            errors.Add(FieldError.Invalid(path, Show(value), "must not validate the schema (not)"));
        }
    }
}
