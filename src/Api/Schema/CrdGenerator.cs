using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ferry.Api.Common;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using k8s.Models;
using IntOrString = Ferry.Api.Common.IntOrString;

namespace Ferry.Api.Schema;

/// <summary>Generates <c>apiextensions.k8s.io/v1</c> CustomResourceDefinitions from the C# types of Ferry's
/// custom resources, by reflection over their properties and the schema attributes in this namespace.</summary>
/// <remarks>
/// Descriptions come from the XML documentation files next to the assemblies (<c>&lt;summary&gt;</c>, then
/// "Default:" and <c>&lt;value&gt;</c>); KubernetesClient's models (<c>V1Toleration</c>, <c>V1ResourceRequirements</c>,
/// <c>V1ConfigMapKeySelector</c>, <c>V1Condition</c>) get the upstream schema: their fields and the upstream
/// descriptions from the package's XML documentation, with the required fields and list/map markers the Kubernetes
/// OpenAPI gives them (the package's types do not carry those). JSON names follow <see cref="JsonPropertyNameAttribute"/> or camelCase;
/// a C# <c>required</c> property is a required field; <see cref="DefaultValueAttribute"/> becomes <c>default</c>.
/// The output is a structural schema (Kubernetes documentation, "Specifying a structural schema"): every node
/// has a type, and logical junctors (<c>oneOf</c>, <c>not</c>, the int-or-string <c>anyOf</c>) hold only
/// <c>required</c> or the allowed int-or-string types. Properties and required lists are sorted so the output
/// is stable.
/// </remarks>
public sealed class CrdGenerator
{
    private static readonly Dictionary<string, object> NoOverrides = [];

    /// <summary>The pattern of a resource.Quantity, as the Kubernetes OpenAPI publishes it.</summary>
    private const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";
    private readonly XmlDocumentation _docs = new();

    /// <summary>The root types of Ferry's custom resources.</summary>
    public static IReadOnlyList<Type> ResourceTypes { get; } = [typeof(SyncJob), typeof(ReplicaMirror)];

    /// <summary>The file name a CRD is written to, <c>GROUP_PLURAL.yaml</c>, as controller-gen names them.</summary>
    /// <param name="resourceType">A type carrying <see cref="KubernetesEntityAttribute"/> and <see cref="CustomResourceAttribute"/>.</param>
    /// <returns>E.g. <c>ferry.io_syncjobs.yaml</c>.</returns>
    /// <exception cref="ArgumentException">The type lacks one of the attributes.</exception>
    public static string FileName(Type resourceType)
    {
        var (entity, _) = Resource(resourceType);
        return $"{entity.Group}_{entity.PluralName}.yaml";
    }

    /// <summary>Generates every CRD as YAML, keyed by <see cref="FileName"/>.</summary>
    /// <returns>File name to YAML text.</returns>
    /// <exception cref="FileNotFoundException">An assembly's XML documentation file is missing.</exception>
    public IReadOnlyDictionary<string, string> GenerateAllYaml() =>
        ResourceTypes.ToDictionary(FileName, t => CrdYamlWriter.Write(Generate(t)), StringComparer.Ordinal);

    /// <summary>Generates the CRD of one resource type as a JSON object.</summary>
    /// <param name="resourceType">A type carrying <see cref="KubernetesEntityAttribute"/> and
    /// <see cref="CustomResourceAttribute"/>, with <c>Spec</c> and <c>Status</c> properties.</param>
    /// <returns>The <c>CustomResourceDefinition</c>.</returns>
    /// <exception cref="ArgumentException">The type lacks one of the attributes.</exception>
    /// <exception cref="NotSupportedException">A property type has no schema mapping.</exception>
    /// <exception cref="FileNotFoundException">An assembly's XML documentation file is missing.</exception>
    public JsonObject Generate(Type resourceType)
    {
        var (entity, resource) = Resource(resourceType);
        var singular = entity.Kind.ToLowerInvariant();
        var names = new JsonObject
        {
            ["categories"] = Strings(resource.Categories),
            ["kind"] = entity.Kind,
            ["listKind"] = entity.Kind + "List",
            ["plural"] = entity.PluralName,
            ["shortNames"] = Strings(resource.ShortNames),
            ["singular"] = singular,
        };
        if (resource.Categories.Length == 0)
        {
            names.Remove("categories");
        }

        if (resource.ShortNames.Length == 0)
        {
            names.Remove("shortNames");
        }

        var columns = new JsonArray();
        foreach (var column in resourceType.GetCustomAttributes<PrinterColumnAttribute>())
        {
            var entry = new JsonObject();
            if (column.Description.Length > 0)
            {
                entry["description"] = column.Description;
            }

            entry["jsonPath"] = column.JsonPath;
            entry["name"] = column.Name;
            if (column.Priority != 0)
            {
                entry["priority"] = (long)column.Priority;
            }

            entry["type"] = column.Type;
            columns.Add(entry);
        }

        var version = new JsonObject
        {
            ["additionalPrinterColumns"] = columns,
            ["name"] = entity.ApiVersion,
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = RootSchema(resourceType) },
            ["served"] = true,
            ["storage"] = true,
            ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
        };

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"{entity.PluralName}.{entity.Group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = names,
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(version),
            },
        };
    }

    private static (KubernetesEntityAttribute Entity, CustomResourceAttribute Resource) Resource(Type type) =>
        (type.GetCustomAttribute<KubernetesEntityAttribute>() ?? throw new ArgumentException($"{type.Name} has no [KubernetesEntity] attribute.", nameof(type)),
         type.GetCustomAttribute<CustomResourceAttribute>() ?? throw new ArgumentException($"{type.Name} has no [CustomResource] attribute.", nameof(type)));

    private JsonObject RootSchema(Type resourceType)
    {
        var spec = resourceType.GetProperty("Spec") ??
            throw new ArgumentException($"{resourceType.Name} has no Spec property.", nameof(resourceType));
        var status = resourceType.GetProperty("Status");
        var properties = new JsonObject
        {
            ["apiVersion"] = new JsonObject
            {
                ["description"] = "The versioned schema of this object, e.g. " + ApiGroup.ApiVersion + ".",
                ["type"] = "string",
            },
            ["kind"] = new JsonObject
            {
                ["description"] = "The REST resource this object represents, e.g. " + Resource(resourceType).Entity.Kind + ".",
                ["type"] = "string",
            },
            ["metadata"] = new JsonObject { ["type"] = "object" },
            ["spec"] = PropertySchema(spec, NoOverrides),
        };
        if (status is not null)
        {
            properties["status"] = PropertySchema(status, NoOverrides);
        }

        var root = new JsonObject
        {
            ["description"] = _docs.Describe(resourceType),
            ["properties"] = properties,
            ["required"] = Strings(["spec"]),
            ["type"] = "object",
        };

        if (resourceType.GetCustomAttribute<ImmutableSpecAttribute>() is { } immutable)
        {
            root["x-kubernetes-validations"] = new JsonArray(Rule(ImmutableSpecRule(spec.PropertyType, immutable), immutable.Message));
        }

        return root;
    }

    private static string ImmutableSpecRule(Type specType, ImmutableSpecAttribute immutable)
    {
        var comparisons = new List<string>();
        foreach (var property in Properties(specType).Where(p => !p.IsDefined(typeof(MutableAfterStartAttribute))))
        {
            var name = JsonName(property);
            comparisons.Add(IsRequired(property)
                ? $"self.spec.{name} == oldSelf.spec.{name}"
                : $"(has(self.spec.{name}) ? has(oldSelf.spec.{name}) && self.spec.{name} == oldSelf.spec.{name} : !has(oldSelf.spec.{name}))");
        }

        return $"!({immutable.StartedRule}) || ({string.Join(" && ", comparisons)})";
    }

    private JsonObject PropertySchema(PropertyInfo property, IReadOnlyDictionary<string, object> defaultOverrides)
    {
        var schema = new JsonObject { ["description"] = _docs.Describe(property) };
        foreach (var (key, value) in TypeSchema(property.PropertyType))
        {
            schema[key] = value?.DeepClone();
        }

        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var isMap = IsDictionary(type, out _);

        var defaultValue = defaultOverrides.TryGetValue(property.Name, out var overridden)
            ? overridden
            : property.GetCustomAttribute<DefaultValueAttribute>()?.Value;
        if (defaultValue is not null)
        {
            schema["default"] = defaultValue switch
            {
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create((long)i),
                long l => JsonValue.Create(l),
                string s => JsonValue.Create(s),
                _ => throw new NotSupportedException($"Default of {property.Name} has unsupported type {defaultValue.GetType()}."),
            };
        }

        if (property.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            schema["format"] = format.Format;
        }

        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = minimum.Value;
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema["maximum"] = maximum.Value;
        }

        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            if (length.Min > 0)
            {
                schema["minLength"] = (long)length.Min;
            }

            schema["maxLength"] = (long)length.Max;
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Pattern;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            var (minKey, maxKey) = isMap ? ("minProperties", "maxProperties") : ("minItems", "maxItems");
            if (items.Min > 0)
            {
                schema[minKey] = (long)items.Min;
            }

            schema[maxKey] = (long)items.Max;
        }

        if (property.GetCustomAttribute<ListMapKeyAttribute>() is { } listMap)
        {
            schema["x-kubernetes-list-map-keys"] = Strings([listMap.Key]);
            schema["x-kubernetes-list-type"] = "map";
        }

        var rules = property.GetCustomAttributes<ValidationRuleAttribute>().Select(r => Rule(r.Rule, r.Message)).ToList();
        if (rules.Count > 0)
        {
            var existing = schema["x-kubernetes-validations"] as JsonArray ?? [];
            foreach (var rule in rules)
            {
                existing.Add(rule);
            }

            schema["x-kubernetes-validations"] = existing;
        }

        return Sorted(schema);
    }

    private JsonObject TypeSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int))
        {
            return new JsonObject { ["format"] = "int32", ["type"] = "integer" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["format"] = "int64", ["type"] = "integer" };
        }

        if (type == typeof(double))
        {
            return new JsonObject { ["type"] = "number" };
        }

        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return new JsonObject { ["format"] = "date-time", ["type"] = "string" };
        }

        if (type == typeof(IntOrString))
        {
            return new JsonObject
            {
                ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
                ["x-kubernetes-int-or-string"] = true,
            };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new JsonObject
            {
                ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
                ["pattern"] = QuantityPattern,
                ["x-kubernetes-int-or-string"] = true,
            };
        }

        if (type.IsEnum)
        {
            return new JsonObject { ["enum"] = Strings(Enum.GetNames(type)), ["type"] = "string" };
        }

        if (IsDictionary(type, out var valueType))
        {
            return new JsonObject { ["additionalProperties"] = TypeSchema(valueType), ["type"] = "object" };
        }

        if (IsList(type, out var itemType))
        {
            return new JsonObject { ["items"] = TypeSchema(itemType), ["type"] = "array" };
        }

        if (type == typeof(V1Condition))
        {
            return ConditionSchema();
        }

        if (type.IsClass && type.Namespace?.StartsWith("Ferry.Api", StringComparison.Ordinal) == true)
        {
            return ObjectSchema(type);
        }

        if (type.IsClass && type.Namespace == typeof(V1Toleration).Namespace)
        {
            return UpstreamSchema(type);
        }

        throw new NotSupportedException($"No schema mapping for {type}.");
    }

    private JsonObject ObjectSchema(Type type)
    {
        var overrides = type.GetCustomAttributes<DefaultOverrideAttribute>()
            .ToDictionary(o => o.Property, o => o.Value, StringComparer.Ordinal);
        var properties = new JsonObject();
        var required = new List<string>();
        foreach (var property in Properties(type))
        {
            var name = JsonName(property);
            properties[name] = PropertySchema(property, overrides);
            if (IsRequired(property))
            {
                required.Add(name);
            }
        }

        var schema = new JsonObject();
        var rules = new JsonArray();
        if (type.GetCustomAttribute<ExactlyOneOfAttribute>() is { } exactlyOne)
        {
            var fields = exactlyOne.Properties.Select(p => JsonName(type.GetProperty(p)!)).ToList();
            schema["oneOf"] = new JsonArray(fields.Select(f => (JsonNode)new JsonObject { ["required"] = Strings([f]) }).ToArray());
            rules.Add(Rule(
                $"[{string.Join(", ", fields.Select(f => $"has(self.{f})"))}].exists_one(x, x)",
                $"exactly one of {Join(fields, "or")} must be set"));
        }

        if (type.GetCustomAttribute<MutuallyExclusiveAttribute>() is { } exclusive)
        {
            var fields = exclusive.Properties.Select(p => JsonName(type.GetProperty(p)!)).ToList();
            var pairs = new JsonArray();
            for (var i = 0; i < fields.Count; i++)
            {
                for (var j = i + 1; j < fields.Count; j++)
                {
                    pairs.Add(new JsonObject { ["not"] = new JsonObject { ["required"] = Strings([fields[i], fields[j]]) } });
                }
            }

            if (pairs.Count == 1)
            {
                schema["not"] = pairs[0]!["not"]!.DeepClone();
            }
            else
            {
                schema["allOf"] = pairs;
            }

            rules.Add(Rule(
                $"[{string.Join(", ", fields.Select(f => $"has(self.{f})"))}].filter(x, x).size() <= 1",
                $"at most one of {Join(fields, "or")} may be set"));
        }

        foreach (var rule in type.GetCustomAttributes<ValidationRuleAttribute>(inherit: true))
        {
            rules.Add(Rule(rule.Rule, rule.Message));
        }

        schema["properties"] = properties;
        if (required.Count > 0)
        {
            required.Sort(StringComparer.Ordinal);
            schema["required"] = Strings(required);
        }

        schema["type"] = "object";
        if (rules.Count > 0)
        {
            schema["x-kubernetes-validations"] = rules;
        }

        return Sorted(schema);
    }

    /// <summary>The schema of a KubernetesClient model as the Kubernetes OpenAPI gives it: the fields and upstream
    /// descriptions by reflection and the package's XML documentation, plus what the models do not carry (required
    /// fields, list and map types), for the models Ferry's API embeds.</summary>
    private JsonObject UpstreamSchema(Type type)
    {
        var schema = ObjectSchema(type);
        var properties = (JsonObject)schema["properties"]!;
        if (type == typeof(V1ResourceRequirements))
        {
            properties["claims"]!["x-kubernetes-list-map-keys"] = Strings(["name"]);
            properties["claims"]!["x-kubernetes-list-type"] = "map";
            properties["claims"] = Sorted((JsonObject)properties["claims"]!.DeepClone());
        }
        else if (type == typeof(Corev1ResourceClaim))
        {
            schema["required"] = Strings(["name"]);
        }
        else if (type == typeof(V1ConfigMapKeySelector))
        {
            // Upstream requires only the key (an empty name is legal, if useless); a Ferry spec must name its ConfigMap,
            // and both get the bounds of a name and a key, which also bound the cost of the immutability rule.
            schema["required"] = Strings(["key", "name"]);
            schema["x-kubernetes-map-type"] = "atomic";
            properties["key"]!["maxLength"] = 253;
            properties["name"]!["maxLength"] = 253;
            properties["name"]!["minLength"] = 1;
            properties["key"] = Sorted((JsonObject)properties["key"]!.DeepClone());
            properties["name"] = Sorted((JsonObject)properties["name"]!.DeepClone());
        }
        else if (type != typeof(V1Toleration))
        {
            throw new NotSupportedException($"No upstream schema rules for {type}; add them to {nameof(UpstreamSchema)}.");
        }

        return Sorted(schema);
    }

    /// <summary>metav1.Condition's schema, with the validation the upstream type declares.</summary>
    private JsonObject ConditionSchema()
    {
        var schema = ObjectSchema(typeof(V1Condition));
        var properties = (JsonObject)schema["properties"]!;
        properties["type"]!["maxLength"] = 316;
        properties["type"]!["pattern"] = @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
        properties["status"]!["enum"] = Strings(["True", "False", "Unknown"]);
        properties["reason"]!["maxLength"] = 1024;
        properties["reason"]!["minLength"] = 1;
        properties["reason"]!["pattern"] = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";
        properties["message"]!["maxLength"] = 32768;
        properties["observedGeneration"]!["minimum"] = 0;
        foreach (var (name, property) in properties.ToList())
        {
            properties[name] = Sorted((JsonObject)property!.DeepClone());
        }

        schema["required"] = Strings(["lastTransitionTime", "message", "reason", "status", "type"]);
        return schema;
    }

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0 && !p.IsDefined(typeof(JsonIgnoreAttribute)))
            .OrderBy(JsonName, StringComparer.Ordinal);

    private static bool IsRequired(PropertyInfo property) => property.IsDefined(typeof(RequiredMemberAttribute));

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static bool IsDictionary(Type type, out Type valueType)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>)) &&
            type.GetGenericArguments()[0] == typeof(string))
        {
            valueType = type.GetGenericArguments()[1];
            return true;
        }

        valueType = typeof(void);
        return false;
    }

    private static bool IsList(Type type, out Type itemType)
    {
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(IList<>)))
        {
            itemType = type.GetGenericArguments()[0];
            return true;
        }

        if (type.IsArray)
        {
            itemType = type.GetElementType()!;
            return true;
        }

        itemType = typeof(void);
        return type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type)
            ? throw new NotSupportedException($"Use List<T>, IList<T> or T[] instead of {type}.")
            : false;
    }

    private static JsonObject Rule(string rule, string message) => new() { ["message"] = message, ["rule"] = rule };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static string Join(IReadOnlyList<string> names, string conjunction) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " " + conjunction + " " + names[^1];

    private static JsonObject Sorted(JsonObject schema)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in schema.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            schema.Remove(key);
            sorted[key] = value;
        }

        if (sorted["description"] is JsonValue description && description.GetValue<string>().Length == 0)
        {
            sorted.Remove("description");
        }

        return sorted;
    }
}
