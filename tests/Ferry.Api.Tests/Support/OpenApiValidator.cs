using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Ferry.Api.Tests.Support;

/// <summary>A validator and defaulter for the OpenAPI v3 subset that structural CRD schemas use: type, properties,
/// additionalProperties, items, required, enum, minimum/maximum, minLength/maxLength, pattern, format date-time,
/// minItems/maxItems, minProperties/maxProperties, oneOf/anyOf/allOf/not, x-kubernetes-int-or-string,
/// x-kubernetes-list-type map. CEL rules (x-kubernetes-validations) are not evaluated.</summary>
/// <remarks>Like the API server, fields with null values are treated as absent. Unlike it, unknown fields are an
/// error instead of being pruned, so that typos in samples are caught.</remarks>
internal static class OpenApiValidator
{
    public static IReadOnlyList<string> Validate(JsonNode? value, JsonObject schema)
    {
        var errors = new List<string>();
        Validate(value, schema, "", errors);
        return errors;
    }

    /// <summary>Applies schema defaults in place: a missing property with a <c>default</c> gets it, recursively.</summary>
    public static void ApplyDefaults(JsonNode? value, JsonObject schema)
    {
        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach ((string? name, JsonNode? propertySchema) in properties)
                {
                    if (obj[name] is null && propertySchema!["default"] is { } defaultValue)
                    {
                        obj[name] = defaultValue.DeepClone();
                    }

                    if (obj[name] is { } child)
                    {
                        ApplyDefaults(child, (JsonObject)propertySchema!);
                    }
                }

                break;
            case JsonObject obj when schema["additionalProperties"] is JsonObject additional:
                foreach ((string _, JsonNode? child) in obj)
                {
                    ApplyDefaults(child, additional);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (JsonNode? item in array)
                {
                    ApplyDefaults(item, items);
                }

                break;
        }
    }

    private static void Validate(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        string at = path.Length == 0 ? "<root>" : path;
        if (!CheckType(value, schema, at, errors))
        {
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"{at}: unsupported value {value?.ToJsonString()}; allowed {allowed.ToJsonString()}");
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, at, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, at, errors);
                break;
            case JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String:
                ValidateString(scalar.GetValue<string>(), schema, at, errors);
                break;
            case JsonValue scalar when scalar.GetValueKind() == JsonValueKind.Number:
                ValidateNumber(Number(scalar), schema, at, errors);
                break;
        }

        if (schema["oneOf"] is JsonArray oneOf)
        {
            int matches = oneOf.Count(s => Validate(value, (JsonObject)s!).Count == 0);
            if (matches != 1)
            {
                errors.Add($"{at}: must match exactly one of oneOf {oneOf.ToJsonString()}, matches {matches}");
            }
        }

        if (schema["anyOf"] is JsonArray anyOf && schema["x-kubernetes-int-or-string"] is null &&
            !anyOf.Any(s => Validate(value, (JsonObject)s!).Count == 0))
        {
            errors.Add($"{at}: must match at least one of anyOf {anyOf.ToJsonString()}");
        }

        if (schema["allOf"] is JsonArray allOf)
        {
            foreach (JsonNode? sub in allOf)
            {
                Validate(value, (JsonObject)sub!, path, errors);
            }
        }

        if (schema["not"] is JsonObject not && Validate(value, not).Count == 0)
        {
            errors.Add($"{at}: must not match {not.ToJsonString()}");
        }
    }

    private static bool CheckType(JsonNode? value, JsonObject schema, string at, List<string> errors)
    {
        JsonValueKind? kind = value?.GetValueKind();
        if (schema["x-kubernetes-int-or-string"] is not null)
        {
            if (kind == JsonValueKind.String || IsInteger(value))
            {
                return true;
            }

            errors.Add($"{at}: must be an integer or a string");
            return false;
        }

        string? type = (string?)schema["type"];
        bool ok = type switch
        {
            null => true,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "integer" => IsInteger(value),
            "number" => kind == JsonValueKind.Number,
            _ => throw new NotSupportedException($"type {type}"),
        };
        if (!ok)
        {
            errors.Add($"{at}: must be of type {type}, is {kind?.ToString() ?? "null"}");
        }

        return ok;
    }

    private static bool IsInteger(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsInteger(Number(v));

    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static void ValidateObject(JsonObject obj, JsonObject schema, string path, string at, List<string> errors)
    {
        var present = obj.Where(p => p.Value is not null).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        if (schema["required"] is JsonArray required)
        {
            foreach (string? name in required.Select(r => (string)r!).Where(n => !present.Contains(n)))
            {
                errors.Add($"{Join(path, name)}: Required value");
            }
        }

        CheckCount(present.Count, schema, "minProperties", "maxProperties", at, errors);
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"] as JsonObject;
        foreach ((string? name, JsonNode? child) in obj)
        {
            if (child is null)
            {
                continue;
            }

            if (properties?[name] is JsonObject propertySchema)
            {
                Validate(child, propertySchema, Join(path, name), errors);
            }
            else if (additional is not null)
            {
                Validate(child, additional, Join(path, name), errors);
            }
            else if (properties is not null && schema["x-kubernetes-preserve-unknown-fields"] is null)
            {
                errors.Add($"{Join(path, name)}: unknown field");
            }
        }
    }

    private static void ValidateArray(JsonArray array, JsonObject schema, string path, string at, List<string> errors)
    {
        CheckCount(array.Count, schema, "minItems", "maxItems", at, errors);
        if (schema["items"] is JsonObject items)
        {
            for (int i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, $"{path}[{i}]", errors);
            }
        }

        if ((string?)schema["x-kubernetes-list-type"] == "map" && schema["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonObject item in array.OfType<JsonObject>())
            {
                string key = string.Join("/", keys.Select(k => item[(string)k!]?.ToJsonString()));
                if (!seen.Add(key))
                {
                    errors.Add($"{at}: Duplicate value {key}");
                }
            }
        }
    }

    private static void ValidateString(string text, JsonObject schema, string at, List<string> errors)
    {
        int length = text.EnumerateRunes().Count();
        if (schema["minLength"] is { } min && length < Number(min))
        {
            errors.Add($"{at}: must be at least {min} characters");
        }

        if (schema["maxLength"] is { } max && length > Number(max))
        {
            errors.Add($"{at}: may not be more than {max} characters");
        }

        if (schema["pattern"] is { } pattern && !Regex.IsMatch(text, (string)pattern!))
        {
            errors.Add($"{at}: should match '{pattern}'");
        }

        if ((string?)schema["format"] == "date-time" &&
            !DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            errors.Add($"{at}: must be an RFC 3339 date-time");
        }
    }

    private static void ValidateNumber(double number, JsonObject schema, string at, List<string> errors)
    {
        if (schema["minimum"] is { } min && number < Number(min))
        {
            errors.Add($"{at}: should be greater than or equal to {min}");
        }

        if (schema["maximum"] is { } max && number > Number(max))
        {
            errors.Add($"{at}: should be less than or equal to {max}");
        }
    }

    private static void CheckCount(int count, JsonObject schema, string minKey, string maxKey, string at, List<string> errors)
    {
        if (schema[minKey] is { } min && count < Number(min))
        {
            errors.Add($"{at}: must have at least {min} items");
        }

        if (schema[maxKey] is { } max && count > Number(max))
        {
            errors.Add($"{at}: must have at most {max} items");
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
