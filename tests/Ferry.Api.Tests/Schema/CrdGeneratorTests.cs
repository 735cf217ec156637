using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Api.Tests.Support;

namespace Ferry.Api.Tests.Schema;

public sealed class CrdGeneratorTests
{
    private static readonly string[] Junctors = ["oneOf", "anyOf", "allOf", "not"];

    private readonly CrdGenerator _generator = new();

    /// <summary>Fails when crds/ is stale. With FERRY_UPDATE_CRDS=1 (scripts/gen-crds.sh) it rewrites the files first.</summary>
    [Fact]
    public void GenerateAllYaml_MatchesCommittedFiles()
    {
        IReadOnlyDictionary<string, string> generated = _generator.GenerateAllYaml();
        if (Environment.GetEnvironmentVariable("FERRY_UPDATE_CRDS") == "1")
        {
            Directory.CreateDirectory(RepoPaths.Crds);
            foreach ((string? name, string? yaml) in generated)
            {
                File.WriteAllText(Path.Combine(RepoPaths.Crds, name), yaml);
            }
        }

        foreach ((string? name, string? yaml) in generated)
        {
            string path = Path.Combine(RepoPaths.Crds, name);
            Assert.True(File.Exists(path), $"{path} is missing; run scripts/gen-crds.sh");
            Assert.True(File.ReadAllText(path) == yaml, $"{path} is stale; run scripts/gen-crds.sh");
        }

        IEnumerable<string?> committed = Directory.GetFiles(RepoPaths.Crds, "*.yaml").Select(Path.GetFileName);
        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), committed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GenerateAllYaml_ReadsBackToGeneratedObject()
    {
        foreach (Type type in CrdGenerator.ResourceTypes)
        {
            string yaml = _generator.GenerateAllYaml()[CrdGenerator.FileName(type)];

            JsonObject read = Assert.Single(ManifestReader.ReadDocuments(yaml));

            Assert.True(JsonNode.DeepEquals(_generator.Generate(type), read), $"{type.Name}: YAML does not read back");
        }
    }

    public static TheoryData<string> Kinds() => [nameof(SyncJob), nameof(ReplicaMirror)];

    private JsonObject Crd(string kind) => _generator.Generate(kind == nameof(SyncJob) ? typeof(SyncJob) : typeof(ReplicaMirror));

    private static JsonObject Version(JsonObject crd) => (JsonObject)crd["spec"]!["versions"]![0]!;

    private static JsonObject RootSchema(JsonObject crd) => (JsonObject)Version(crd)["schema"]!["openAPIV3Schema"]!;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generate_SchemaIsStructural(string kind)
    {
        var errors = new List<string>();
        CheckStructural(RootSchema(Crd(kind)), "openAPIV3Schema", inJunctor: false, errors);
        Assert.Empty(errors);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generate_EveryPropertyHasDescription(string kind)
    {
        var missing = new List<string>();
        Walk(RootSchema(Crd(kind)), "", (path, schema) =>
        {
            if (path.Length > 0 && path != ".metadata" && !path.EndsWith("[]", StringComparison.Ordinal) &&
                !path.EndsWith("{}", StringComparison.Ordinal) && schema["description"] is null)
            {
                missing.Add(path);
            }
        });
        Assert.Empty(missing);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generate_EveryDefaultValidatesAgainstItsSchema(string kind)
    {
        var errors = new List<string>();
        int defaults = 0;
        Walk(RootSchema(Crd(kind)), "", (path, schema) =>
        {
            if (schema["default"] is { } value)
            {
                defaults++;
                errors.AddRange(OpenApiValidator.Validate(value, schema).Select(e => path + ": " + e));
            }
        });
        Assert.Empty(errors);
        Assert.True(defaults >= 10, $"only {defaults} defaults found");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generate_PatternsAvoidConstructsRe2Lacks(string kind)
    {
        var patterns = new List<string>();
        Walk(RootSchema(Crd(kind)), "", (_, schema) =>
        {
            if (schema["pattern"] is { } p)
            {
                patterns.Add((string)p!);
            }
        });
        Assert.NotEmpty(patterns);
        foreach (string pattern in patterns)
        {
            _ = new Regex(pattern);
            Assert.DoesNotMatch(@"\(\?[=!<]|\\[1-9]", pattern);
        }
    }

    [Fact]
    public void Generate_SyncJob_NamesSubresourceAndColumns()
    {
        JsonObject crd = Crd(nameof(SyncJob));

        Assert.Equal("syncjobs.ferry.io", (string?)crd["metadata"]!["name"]);
        JsonNode names = crd["spec"]!["names"]!;
        Assert.Equal(("SyncJob", "SyncJobList", "syncjobs", "syncjob"),
            ((string?)names["kind"], (string?)names["listKind"], (string?)names["plural"], (string?)names["singular"]));
        Assert.Equal(["sj"], names["shortNames"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(["ferry"], names["categories"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("Namespaced", (string?)crd["spec"]!["scope"]);
        JsonObject version = Version(crd);
        Assert.Equal(("v1alpha1", true, true), ((string?)version["name"], (bool)version["served"]!, (bool)version["storage"]!));
        Assert.NotNull(version["subresources"]!["status"]);
        var columns = version["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null).Select(c => ((string)c!["name"]!, (string)c["jsonPath"]!)).ToList();
        Assert.Equal(
            [("Phase", ".status.phase"), ("Copied", ".status.progress.copied"), ("Scanned", ".status.progress.scanned"),
             ("Failed", ".status.progress.failed"), ("Age", ".metadata.creationTimestamp")],
            columns);
    }

    [Fact]
    public void Generate_ReplicaMirror_ShortNameAndColumns()
    {
        JsonObject crd = Crd(nameof(ReplicaMirror));

        Assert.Equal(["rmir"], crd["spec"]!["names"]!["shortNames"]!.AsArray().Select(n => (string)n!));
        IEnumerable<string> columns = Version(crd)["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null).Select(c => (string)c!["name"]!);
        Assert.Equal(["Ready", "In Sync", "Last Sync", "Next Sync", "Age"], columns);
    }

    [Fact]
    public void Generate_DefaultsDifferPerKindForSharedOptions()
    {
        JsonNode job = RootSchema(Crd(nameof(SyncJob)))["properties"]!["spec"]!["properties"]!;
        JsonNode mirror = RootSchema(Crd(nameof(ReplicaMirror)))["properties"]!["spec"]!["properties"]!;

        Assert.Null(job["deleteDst"]!["default"]);
        Assert.True((bool)mirror["deleteDst"]!["default"]!);
        Assert.Null(job["maxDelete"]!["default"]);
        Assert.Equal("50%", (string?)mirror["maxDelete"]!["default"]);
        Assert.Null(job["update"]!["default"]);
        Assert.True((bool)mirror["update"]!["default"]!);
        Assert.Equal(10, (long)job["threads"]!["default"]!);
        Assert.Equal(10, (long)mirror["threads"]!["default"]!);
        Assert.Equal(job["deleteDst"]!["description"]!.ToJsonString(), mirror["deleteDst"]!["description"]!.ToJsonString());
    }

    [Fact]
    public void Generate_Endpoint_ExactlyOneKindAsOneOfAndCel()
    {
        var source = (JsonObject)RootSchema(Crd(nameof(SyncJob)))["properties"]!["spec"]!["properties"]!["source"]!;

        Assert.Equal("""[{"required":["s3"]},{"required":["volume"]},{"required":["sftp"]}]""", source["oneOf"]!.ToJsonString());
        JsonNode? rule = Assert.Single(source["x-kubernetes-validations"]!.AsArray());
        Assert.Equal("[has(self.s3), has(self.volume), has(self.sftp)].exists_one(x, x)", (string?)rule!["rule"]);
        Assert.Equal(["credentialsSecretRef", "host", "user"],
            source["properties"]!["sftp"]!["required"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void Generate_ReplicaMirror_ScheduleXorIntervalXorContinuousAndUniqueDestinations()
    {
        JsonNode spec = RootSchema(Crd(nameof(ReplicaMirror)))["properties"]!["spec"]!;

        Assert.Equal("""[{"not":{"required":["schedule","interval"]}},{"not":{"required":["schedule","continuous"]}},{"not":{"required":["interval","continuous"]}}]""",
            spec["allOf"]!.ToJsonString());
        Assert.Contains(spec["x-kubernetes-validations"]!.AsArray(),
            r => (string?)r!["rule"] == "[has(self.schedule), has(self.interval), has(self.continuous)].filter(x, x).size() <= 1");
        JsonNode destinations = spec["properties"]!["destinations"]!;
        Assert.Equal(("map", "[\"name\"]", 1L),
            ((string?)destinations["x-kubernetes-list-type"], destinations["x-kubernetes-list-map-keys"]!.ToJsonString(),
             (long)destinations["minItems"]!));
        Assert.NotNull(destinations["items"]!["oneOf"]);
    }

    [Fact]
    public void Generate_SyncJob_ImmutabilityRuleComparesEverySpecFieldButTheMutableOnes()
    {
        JsonObject root = RootSchema(Crd(nameof(SyncJob)));
        string rule = (string)Assert.Single(root["x-kubernetes-validations"]!.AsArray())!["rule"]!;
        var specFields = root["properties"]!["spec"]!["properties"]!.AsObject().Select(p => p.Key).ToList();

        Assert.StartsWith("!(has(oldSelf.status) && has(oldSelf.status.startTime)) || (", rule, StringComparison.Ordinal);
        foreach (string? field in specFields)
        {
            bool compared = rule.Contains($"self.spec.{field} == oldSelf.spec.{field}", StringComparison.Ordinal);
            Assert.True(compared == field is not ("suspend" or "ttlSecondsAfterFinished" or "workers" or "runner"), $"{field}: compared={compared}");
        }

        Assert.Contains("self.spec.source == oldSelf.spec.source &&", rule, StringComparison.Ordinal);
        Assert.Contains("(has(self.spec.threads) ? has(oldSelf.spec.threads) && self.spec.threads == oldSelf.spec.threads : !has(oldSelf.spec.threads))", rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_MaxDelete_IsIntOrStringWithPercentagePattern()
    {
        JsonNode maxDelete = RootSchema(Crd(nameof(SyncJob)))["properties"]!["spec"]!["properties"]!["maxDelete"]!;

        Assert.True((bool)maxDelete["x-kubernetes-int-or-string"]!);
        Assert.Null(maxDelete["type"]);
        Assert.Equal("""[{"type":"integer"},{"type":"string"}]""", maxDelete["anyOf"]!.ToJsonString());
        Assert.Matches((string)maxDelete["pattern"]!, "10%");
        Assert.DoesNotMatch((string)maxDelete["pattern"]!, "101%");
        Assert.Equal(0, (long)maxDelete["minimum"]!);
    }

    [Fact]
    public void Generate_Descriptions_ComeFromXmlDocs()
    {
        JsonNode spec = RootSchema(Crd(nameof(SyncJob)))["properties"]!["spec"]!["properties"]!;

        Assert.Equal("Concurrent copy operations in each runner pod (juicefs sync --threads). Default: 10.",
            (string?)spec["threads"]!["description"]);
        Assert.Equal(
            "Delete destination keys absent from the source, after every copy succeeded and within maxDelete (juicefs sync --delete-dst). Default: false in a SyncJob; true in a ReplicaMirror.",
            (string?)spec["deleteDst"]!["description"]);
        Assert.Equal(
            "The key prefix inside the bucket; keys are synced relative to it. End it with / to name a directory-like prefix. Default: empty (the whole bucket).",
            (string?)spec["source"]!["properties"]!["s3"]!["properties"]!["prefix"]!["description"]);
        Assert.EndsWith("Default: 0 (unlimited).", (string?)spec["bwLimit"]!["description"], StringComparison.Ordinal);
        Assert.EndsWith("Default: never deleted.", (string?)spec["ttlSecondsAfterFinished"]!["description"], StringComparison.Ordinal);
    }

    /// <summary>An object with every property set (recursively, by reflection) serializes to JSON whose every field
    /// the schema declares with the same type: the generator's type mapping agrees with ApiJsonContext.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generate_SchemaDeclaresEverySerializedFieldWithItsType(string kind)
    {
        Type type = kind == nameof(SyncJob) ? typeof(SyncJob) : typeof(ReplicaMirror);
        object obj = Populate(type, depth: 0)!;
        JsonNode json = kind == nameof(SyncJob)
            ? JsonSerializer.SerializeToNode((SyncJob)obj, ApiJsonContext.Default.SyncJob)!
            : JsonSerializer.SerializeToNode((ReplicaMirror)obj, ApiJsonContext.Default.ReplicaMirror)!;
        json["metadata"] = new JsonObject { ["name"] = "x" };

        IReadOnlyList<string> errors = OpenApiValidator.Validate(json, RootSchema(Crd(kind)));

        // Values made up by reflection break patterns, enums of plain strings and one-of rules; nothing else may fail.
        var structural = errors.Where(e => e.Contains("unknown field", StringComparison.Ordinal) ||
            e.Contains("must be of type", StringComparison.Ordinal) || e.Contains("integer or a string", StringComparison.Ordinal) ||
            e.Contains("Required value", StringComparison.Ordinal)).ToList();
        Assert.Empty(structural);
        Assert.Contains("\"conditions\":[{", json.ToJsonString(), StringComparison.Ordinal);
    }

    private static object? Populate(Type type, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a1";
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(int))
        {
            return 1;
        }

        if (type == typeof(long))
        {
            return 1L;
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        }

        if (type == typeof(DateTime))
        {
            return new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        }

        if (type == typeof(k8s.Models.ResourceQuantity))
        {
            return new k8s.Models.ResourceQuantity("500m");
        }

        if (type == typeof(Ferry.Api.Common.IntOrString))
        {
            return (Ferry.Api.Common.IntOrString)1;
        }

        if (type.IsEnum)
        {
            return Enum.GetValues(type).GetValue(0);
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(List<>) || type.GetGenericTypeDefinition() == typeof(IList<>)))
        {
            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()))!;
            list.Add(Populate(type.GetGenericArguments()[0], depth + 1));
            return list;
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Dictionary<,>) || type.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        {
            var map = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(type.GetGenericArguments()))!;
            map["k"] = Populate(type.GetGenericArguments()[1], depth + 1);
            return map;
        }

        if (type == typeof(k8s.Models.V1ObjectMeta) || depth > 8)
        {
            return null;
        }

        object obj = Activator.CreateInstance(type)!;
        foreach (PropertyInfo? property in type.GetProperties().Where(p => p.SetMethod is not null))
        {
            property.SetValue(obj, Populate(property.PropertyType, depth + 1) ?? property.GetValue(obj));
        }

        if (obj is k8s.IKubernetesObject resource)
        {
            resource.ApiVersion = ApiGroup.ApiVersion;
            resource.Kind = type.Name;
        }

        return obj;
    }

    private static void Walk(JsonObject schema, string path, Action<string, JsonObject> visit)
    {
        visit(path, schema);
        if (schema["properties"] is JsonObject properties)
        {
            foreach ((string? name, JsonNode? child) in properties)
            {
                Walk((JsonObject)child!, path + "." + name, visit);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Walk(items, path + "[]", visit);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Walk(additional, path + "{}", visit);
        }
    }

    /// <summary>The structural-schema rules of apiextensions.k8s.io/v1: a type everywhere outside junctors (except
    /// int-or-string nodes), and inside junctors no type, description, default, additionalProperties or nullable,
    /// and only properties that also exist outside.</summary>
    private static void CheckStructural(JsonObject schema, string path, bool inJunctor, List<string> errors, JsonObject? declaring = null)
    {
        // Properties a junctor names must be declared by the schema around it (for nested junctors, the nearest one that
        // is not itself inside a junctor).
        declaring = inJunctor ? declaring ?? schema : schema;
        bool intOrString = schema["x-kubernetes-int-or-string"] is not null;
        if (inJunctor)
        {
            foreach (string? forbidden in new[] { "type", "description", "default", "additionalProperties", "nullable" })
            {
                if (schema[forbidden] is not null && !(path.EndsWith(".anyOf", StringComparison.Ordinal) && forbidden == "type"))
                {
                    errors.Add($"{path}: {forbidden} inside a junctor");
                }
            }
        }
        else if (intOrString)
        {
            if (schema["type"] is not null)
            {
                errors.Add($"{path}: int-or-string must not have a type");
            }

            if (schema["anyOf"]?.ToJsonString() != """[{"type":"integer"},{"type":"string"}]""")
            {
                errors.Add($"{path}: int-or-string anyOf must be integer, string");
            }
        }
        else if (schema["type"] is null)
        {
            errors.Add($"{path}: no type");
        }

        foreach (string junctor in Junctors)
        {
            List<JsonObject> subschemas = schema[junctor] switch
            {
                JsonArray array => array.Select(s => (JsonObject)s!).ToList(),
                JsonObject single => [single],
                _ => [],
            };
            foreach (JsonObject? sub in subschemas)
            {
                if (!(intOrString && junctor == "anyOf"))
                {
                    foreach (string? name in (sub["properties"] as JsonObject)?.Select(p => p.Key) ?? [])
                    {
                        if (declaring["properties"]?[name] is null)
                        {
                            errors.Add($"{path}.{junctor}: property {name} not declared outside");
                        }
                    }

                    foreach (string? name in (sub["required"] as JsonArray)?.Select(n => (string)n!) ?? [])
                    {
                        if (declaring["properties"]?[name] is null)
                        {
                            errors.Add($"{path}.{junctor}: required {name} not declared outside");
                        }
                    }
                }

                CheckStructural(sub, path + "." + junctor, inJunctor: true, errors, declaring);
            }
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach ((string? name, JsonNode? child) in properties)
            {
                CheckStructural((JsonObject)child!, path + ".properties." + name, inJunctor, errors);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            CheckStructural(items, path + ".items", inJunctor, errors);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            CheckStructural(additional, path + ".additionalProperties", inJunctor, errors);
        }

        if ((string?)schema["x-kubernetes-list-type"] == "map")
        {
            foreach (string? key in schema["x-kubernetes-list-map-keys"]!.AsArray().Select(k => (string)k!))
            {
                if (schema["items"]?["required"]?.AsArray().Any(r => (string?)r == key) != true)
                {
                    errors.Add($"{path}: list map key {key} must be required in items");
                }
            }
        }
    }
}
