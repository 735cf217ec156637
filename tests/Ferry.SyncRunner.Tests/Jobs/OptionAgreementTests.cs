using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Jobs;

/// <summary>The sync options a <c>ferry sync</c> command line and a SyncJob spec share agree, field by field, on their
/// name (the juicefs flag the CRD description cites), their default (the CLI's, the CRD's <c>default</c> and the
/// engine's) and their meaning (the same value given both ways gives the same engine option).</summary>
public sealed class OptionAgreementTests
{
    /// <summary>One sync option: its <c>ferry sync</c> flag (null: no flag), its SyncJob spec field, its engine property,
    /// and one value written the CLI's way and the spec's way (JSON) that must mean the same.</summary>
    public sealed record Option(string? Flag, string Field, string Engine, string[] CliValue, string SpecValue)
    {
        public override string ToString() => Flag ?? Field;
    }

    private static readonly Option[] Options =
    [
        new("--update", "update", nameof(SyncOptions.Update), ["--update"], "true"),
        new("--force-update", "forceUpdate", nameof(SyncOptions.ForceUpdate), ["--force-update"], "true"),
        new("--check-all", "checkAll", nameof(SyncOptions.CheckAll), ["--check-all"], "true"),
        new("--check-new", "checkNew", nameof(SyncOptions.CheckNew), ["--check-new"], "true"),
        new("--check-change", "checkChange", nameof(SyncOptions.CheckChange), ["--check-change"], "true"),
        new("--existing", "existing", nameof(SyncOptions.Existing), ["--existing"], "true"),
        new("--ignore-existing", "ignoreExisting", nameof(SyncOptions.IgnoreExisting), ["--ignore-existing"], "true"),
        new("--delete-src", "deleteSrc", nameof(SyncOptions.DeleteSrc), ["--delete-src"], "true"),
        new("--delete-src-after", "deleteSrcAfter", nameof(SyncOptions.DeleteSrcAfter), ["--delete-src-after"], "true"),
        new("--delete-dst", "deleteDst", nameof(SyncOptions.DeleteDst), ["--delete-dst"], "true"),
        new("--inplace", "inplace", nameof(SyncOptions.InPlace), ["--inplace"], "true"),
        new("--dirs", "dirs", nameof(SyncOptions.Dirs), ["--dirs"], "true"),
        new("--perms", "perms", nameof(SyncOptions.Perms), ["--perms"], "true"),
        new("--links", "links", nameof(SyncOptions.Links), ["--links"], "true"),
        new("--dry", "dryRun", nameof(SyncOptions.DryRun), ["--dry"], "true"),
        new("--match-full-path", "matchFullPath", nameof(SyncOptions.MatchFullPath), ["--match-full-path"], "true"),
        new("--include", "filters", nameof(SyncOptions.Filters), ["--exclude", "*.tmp", "--include", "a/**", "--exclude", "*"],
            """[{"exclude":"*.tmp"},{"include":"a/**"},{"exclude":"*"}]"""),
        new("--min-size", "minSize", nameof(SyncOptions.MinSize), ["--min-size", "1M"], "\"1Mi\""),
        new("--max-size", "maxSize", nameof(SyncOptions.MaxSize), ["--max-size", "4096"], "4096"),
        new("--min-age", "minAge", nameof(SyncOptions.MinAge), ["--min-age", "90m"], "\"1h30m\""),
        new("--max-age", "maxAge", nameof(SyncOptions.MaxAge), ["--max-age", "48h"], "\"48h\""),
        new("--start-time", "startTime", nameof(SyncOptions.StartTime), ["--start-time", "2026-01-02T03:04:05Z"], "\"2026-01-02T03:04:05Z\""),
        new("--end-time", "endTime", nameof(SyncOptions.EndTime), ["--end-time", "2026-02-03T04:05:06Z"], "\"2026-02-03T04:05:06Z\""),
        new("--start", "start", nameof(SyncOptions.Start), ["--start", "b"], "\"b\""),
        new("--end", "end", nameof(SyncOptions.End), ["--end", "d"], "\"d\""),
        new("--limit", "limit", nameof(SyncOptions.Limit), ["--limit", "0"], "0"),
        new("--threads", "threads", nameof(SyncOptions.Threads), ["--threads", "32"], "32"),
        new("--list-threads", "listThreads", nameof(SyncOptions.ListThreads), ["--list-threads", "4"], "4"),
        new("--list-depth", "listDepth", nameof(SyncOptions.ListDepth), ["--list-depth", "0"], "0"),
        new("--bwlimit", "bwLimit", nameof(SyncOptions.BwLimit), ["--bwlimit", "800"], "800"),
        new("--max-delete", "maxDelete", nameof(SyncOptions.MaxDelete), ["--max-delete", "10%"], "\"10%\""),
        new("--max-failure", "maxFailures", nameof(SyncOptions.MaxFailures), ["--max-failure", "0"], "0"),
        new(null, "taskObjects", nameof(SyncOptions.TaskObjects), [], "20000"),
        new(null, "taskBytes", nameof(SyncOptions.TaskBytes), [], "\"16Gi\""),
    ];

    /// <summary>Spec fields that are not engine options: the resource's endpoints and how its runner pods are made.</summary>
    private static readonly string[] KubernetesOnlyFields =
        ["source", "destination", "filesFrom", "workers", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "suspend", "runner"];

    /// <summary>Engine options that are neither a spec field nor a flag of their own (<c>filesFrom</c> is a file for the
    /// CLI and a ConfigMap for a SyncJob, both read into this list).</summary>
    private static readonly string[] EngineOnlyProperties = [nameof(SyncOptions.FilesFrom)];

    public static TheoryData<Option> Rows() => [.. Options];

    private static readonly Lazy<JsonObject> SpecSchema = new(() =>
    {
        JsonNode crd = ManifestReader.ReadDocuments(File.ReadAllText(RepositoryPaths.SyncJobCrd))[0];
        return crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();
    });

    [Theory]
    [MemberData(nameof(Rows))]
    public void Name_TheCrdFieldCitesTheFlag(Option option)
    {
        JsonObject field = Field(option);
        Assert.NotNull(typeof(SyncOptions).GetProperty(option.Engine));
        if (option.Flag is { } flag)
        {
            Assert.Contains(CliOptionNames(), n => n == flag);
            Assert.Contains($"sync {flag}", (string)field["description"]!, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Default_TheCliTheCrdAndTheEngineAgree(Option option)
    {
        string engine = Text(Value(new SyncOptions(), option.Engine));
        string cli = Text(Value(Parse([]), option.Engine));
        JsonObject field = Field(option);
        string crd = Text(Value(Translate(field["default"]?.ToJsonString(), option), option.Engine));
        string absent = Text(Value(Translate(null, option), option.Engine));

        Assert.Equal(engine, cli);
        Assert.Equal(engine, crd);
        Assert.Equal(engine, absent);
    }

    [Fact]
    public void Default_HelpShowsEveryDefaultThatIsNotOff()
    {
        string[] help = HelpLines();
        var shown = new List<string>();
        foreach (Option option in Options.Where(o => o.Flag is not null))
        {
            if (Value(new SyncOptions(), option.Engine) is not (null or false or System.Collections.ICollection) and var value)
            {
                string line = help.Single(l => l.TrimStart().StartsWith(option.Flag!, StringComparison.Ordinal) || l.Contains(", " + option.Flag + " ", StringComparison.Ordinal));
                Assert.EndsWith($"[default: {Text(value)}]", line, StringComparison.Ordinal);
                shown.Add(option.Flag!);
            }
        }

        Assert.Equal(["--limit", "--threads", "--list-threads", "--list-depth", "--bwlimit", "--max-failure"], shown);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Meaning_TheSameValueGivesTheSameEngineOption(Option option)
    {
        SyncOptions fromSpec = Translate(option.SpecValue, option);
        if (option.Flag is null)
        {
            Assert.NotEqual(Text(Value(new SyncOptions(), option.Engine)), Text(Value(fromSpec, option.Engine)));
            return;
        }

        SyncOptions fromCli = Parse(option.CliValue);

        Assert.NotEqual(Text(Value(new SyncOptions(), option.Engine)), Text(Value(fromCli, option.Engine)));
        Assert.Equal(Text(Value(fromCli, option.Engine)), Text(Value(fromSpec, option.Engine)));
        Assert.Equal(KeySelection.RangeOf(fromCli), KeySelection.RangeOf(fromSpec));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Meaning_TheCrdAcceptsWhatTheCliAccepts(Option option)
    {
        JsonObject field = Field(option);
        if (JsonNode.Parse(option.SpecValue) is JsonValue value && value.TryGetValue(out long number))
        {
            Assert.True(field["minimum"] is null || number >= (long)field["minimum"]!, $"{option.Field}: {number} is below the CRD's minimum");
            Assert.True(field["maximum"] is null || number <= (long)field["maximum"]!, $"{option.Field}: {number} is above the CRD's maximum");
        }
    }

    [Fact]
    public void Rows_CoverEveryEngineOptionAndEverySpecField()
    {
        var engine = typeof(SyncOptions).GetProperties().Select(p => p.Name).Except(EngineOnlyProperties);
        var fields = SpecSchema.Value["properties"]!.AsObject().Select(p => p.Key).Except(KubernetesOnlyFields);

        Assert.Equal(engine.Order(StringComparer.Ordinal), Options.Select(o => o.Engine).Order(StringComparer.Ordinal));
        Assert.Equal(fields.Order(StringComparer.Ordinal), Options.Select(o => o.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void End_IsInclusiveBothWays()
    {
        var spec = Spec("""{"start":"b","end":"d"}""");

        KeyRange range = KeySelection.RangeOf(SyncJobTranslator.ToOptions(spec));

        Assert.Equal(KeySelection.RangeOf(Parse(["--start", "b", "--end", "d"])), range);
        Assert.True(range.Contains("d") && range.Contains("b") && range.Contains("c"));
        Assert.False(range.Contains("d0") || range.Contains("a"));
    }

    private JsonObject Field(Option option) =>
        SpecSchema.Value["properties"]![option.Field]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"the CRD has no spec.{option.Field}");

    private static SyncOptions Parse(string[] options)
    {
        var root = FerryCli.CreateRootCommand();
        var result = root.Parse(["sync", .. options, "a/", "b/"]);
        Assert.Empty(result.Errors);
        return SyncCommand.ReadOptions(result);
    }

    private static IEnumerable<string> CliOptionNames() =>
        SyncCommand.Create().Options.SelectMany(o => o.Aliases.Append(o.Name));

    private static string[] HelpLines()
    {
        var output = new StringWriter();
        Assert.Equal(0, FerryCli.RunAsync(["sync", "--help"], output, new StringWriter()).GetAwaiter().GetResult());
        return output.ToString().Split('\n').Select(l => l.TrimEnd()).ToArray();
    }

    private static SyncOptions Translate(string? json, Option option) =>
        SyncJobTranslator.ToOptions(Spec(json is null ? "{}" : $$"""{"{{option.Field}}":{{json}}}"""));

    private static SyncJobSpec Spec(string fields)
    {
        JsonObject spec = JsonNode.Parse(fields)!.AsObject();
        spec["source"] = JsonNode.Parse("""{"volume":{"claimName":"a"}}""");
        spec["destination"] = JsonNode.Parse("""{"volume":{"claimName":"b"}}""");
        return spec.Deserialize(ApiJsonContext.Default.SyncJobSpec)!;
    }

    private static object? Value(SyncOptions options, string property) =>
        typeof(SyncOptions).GetProperty(property)!.GetValue(options);

    private static string Text(object? value) => value switch
    {
        null => "(none)",
        string s => s,
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable list => string.Join(" ", list.Cast<object>()),
        DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
