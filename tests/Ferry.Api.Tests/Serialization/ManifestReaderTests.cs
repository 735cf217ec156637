using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Api.Tests.Support;

namespace Ferry.Api.Tests.Serialization;

public sealed class ManifestReaderTests
{
    private const string Job = """
        apiVersion: ferry.io/v1alpha1
        kind: SyncJob
        metadata:
          name: a
        spec:
          source: {s3: {bucket: src}}
          destination: {volume: {claimName: dst}}
        """;

    private const string Mirror = """
        apiVersion: ferry.io/v1alpha1
        kind: ReplicaMirror
        metadata: {name: m}
        spec:
          source: {s3: {bucket: src}}
          destinations: [{name: eu, s3: {bucket: eu}}]
        """;

    [Fact]
    public void Read_MultipleDocuments_TypedInOrderSkippingEmptyOnes()
    {
        var objects = ManifestReader.Read("---\n" + Job + "\n---\n---\n" + Mirror + "\n---\n");

        Assert.Collection(objects,
            o => Assert.Equal("a", Assert.IsType<SyncJob>(o).Metadata.Name),
            o => Assert.Equal("eu", Assert.IsType<ReplicaMirror>(o).Spec.Destinations[0].Name));
    }

    [Fact]
    public void Read_SyncJob_FillsNestedTypes()
    {
        var job = (SyncJob)ManifestReader.Read(Job).Single();

        Assert.Equal(("src", "dst"), (job.Spec.Source.S3!.Bucket, job.Spec.Destination.Volume!.ClaimName));
        Assert.Null(job.Status);
    }

    [Fact]
    public void Read_StatusWithPhaseAndConditions_ParsesEnumAndTimes()
    {
        var yaml = Job + """

            status:
              phase: Running
              startTime: "2026-01-02T03:04:05Z"
              conditions:
                - type: Progressing
                  status: "True"
                  reason: Copying
                  message: ""
                  lastTransitionTime: "2026-01-02T03:04:06Z"
              progress: {scanned: 10, copied: 4}
            """;

        var job = (SyncJob)ManifestReader.Read(yaml).Single();

        Assert.Equal(SyncJobPhase.Running, job.Status!.Phase);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), job.Status.StartTime);
        Assert.Equal(("Progressing", "True"), (job.Status.Conditions![0].Type, job.Status.Conditions[0].Status));
        Assert.Equal((10L, 4L), (job.Status.Progress!.Scanned!.Value, job.Status.Progress.Copied!.Value));
    }

    [Fact]
    public void Read_ListKind_ContributesItems()
    {
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "List",
            ["items"] = new JsonArray(ManifestReader.ReadDocuments(Job)[0].DeepClone(), ManifestReader.ReadDocuments(Mirror)[0].DeepClone()),
        };

        var objects = ManifestReader.Read(list.ToJsonString());

        Assert.Equal([typeof(SyncJob), typeof(ReplicaMirror)], objects.Select(o => o.GetType()));
    }

    [Theory]
    [InlineData("v: 10", "10")]
    [InlineData("v: \"10\"", "\"10\"")]
    [InlineData("v: '10%'", "\"10%\"")]
    [InlineData("v: 10%", "\"10%\"")]
    [InlineData("v: -3", "-3")]
    [InlineData("v: 1.5", "1.5")]
    [InlineData("v: true", "true")]
    [InlineData("v: 'true'", "\"true\"")]
    [InlineData("v: yes", "true")]
    [InlineData("v: off", "false")]
    [InlineData("v: 017", "15")]
    [InlineData("v: 0x1F", "31")]
    [InlineData("v: 1_000", "1000")]
    [InlineData("v: ~", "null")]
    [InlineData("v:", "null")]
    [InlineData("v: 64Mi", "\"64Mi\"")]
    [InlineData("v: \"*/30 * * * *\"", "\"*/30 * * * *\"")]
    [InlineData("v: !!str 7", "\"7\"")]
    [InlineData("v: [a, 1]", "[\"a\",1]")]
    public void ReadDocuments_Scalars_FollowYamlCoreSchema(string yaml, string json)
    {
        var document = ManifestReader.ReadDocuments(yaml).Single();

        Assert.Equal(json, document["v"]?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("SyncJob")]
    [InlineData("ReplicaMirror")]
    public void Read_DocumentWithoutSpec_ThrowsManifestException(string kind)
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.Read($"apiVersion: ferry.io/v1alpha1\nkind: {kind}\nmetadata: {{name: x}}\n"));

        Assert.Contains("no spec", e.Message, StringComparison.Ordinal);
        Assert.Contains(kind, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDocuments_DuplicateKey_Throws()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.ReadDocuments("a: 1\nb: 2\na: 3\n"));

        Assert.Equal(3L, e.Line);
        Assert.Contains("Duplicate key", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadDocuments_KeysThatResolveAlike_AreDuplicates()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.ReadDocuments("yes: 1\non: 2\n"));

        Assert.Contains("duplicate key 'true'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDocuments_PlainKeys_ResolveLikeKubectl()
    {
        var document = ManifestReader.ReadDocuments("on: 1\n017: 2\n\"off\": 3\n").Single();

        Assert.Equal("{\"true\":1,\"15\":2,\"off\":3}", document.ToJsonString());
    }

    [Fact]
    public void ReadDocuments_MalformedYaml_ThrowsWithLine()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.ReadDocuments("a: 1\nb: c: d\n"));

        Assert.Equal(2L, e.Line);
        Assert.Throws<ManifestException>(() => ManifestReader.ReadDocuments("a: 1\nb: [1, 2\nc: 3\n"));
    }

    [Fact]
    public void ReadDocuments_ScalarDocument_Throws()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.ReadDocuments("a: 1\n---\njust text\n"));

        Assert.Equal(1, e.DocumentIndex);
    }

    [Fact]
    public void Read_OtherKind_ThrowsNamingIt()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.Read(Job + "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"));

        Assert.Equal(1, e.DocumentIndex);
        Assert.Contains("kind 'Secret'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsFerryObjectAndToObject_PickFerryKindsOutOfMixedFiles()
    {
        var documents = ManifestReader.ReadDocuments("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n" + Job);

        var objects = documents.Where(ManifestReader.IsFerryObject).Select(d => ManifestReader.ToObject(d)).ToList();

        Assert.Equal("a", Assert.IsType<SyncJob>(Assert.Single(objects)).Metadata.Name);
        Assert.Throws<ManifestException>(() => ManifestReader.ToObject(documents[0]));
        Assert.False(ManifestReader.IsFerryObject(ManifestReader.ReadDocuments("apiVersion: ferry.io/v1\nkind: SyncJob\n")[0]));
    }

    [Fact]
    public void Read_MissingRequiredField_Throws()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.Read(Job.Replace("  destination: {volume: {claimName: dst}}", "")));

        Assert.Contains("destination", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongValueType_Throws()
    {
        Assert.Throws<ManifestException>(() => ManifestReader.Read(Job + "\n  workers: many\n"));
    }

    /// <summary>kubectl (Go's YAML reader) reads every committed manifest, CRDs included, to the same JSON as
    /// ManifestReader; this catches quoting and typing differences in the generated YAML.</summary>
    [Fact]
    public void ReadDocuments_AgreesWithKubectl()
    {
        var files = Directory.GetFiles(RepoPaths.Crds, "*.yaml")
            .Concat(Directory.GetFiles(RepoPaths.Samples, "*.yaml", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(RepoPaths.InvalidSamples, "*.yaml"))
            .Append(Path.Combine(RepoPaths.Root, "tests", "Ferry.Api.Tests", "Serialization", "TestData", "yaml-scalars.yaml"))
            .ToList();
        Assert.True(files.Count >= 10);
        foreach (var file in files)
        {
            var ours = ManifestReader.ReadDocuments(File.ReadAllText(file));
            var output = RunKubectl("label", "--local", "-f", file, "ferry-test=x", "-o", "json");
            var theirs = ParseAll(output);

            Assert.Equal(ours.Count, theirs.Count);
            for (var i = 0; i < ours.Count; i++)
            {
                var labels = theirs[i]["metadata"]!["labels"]!.AsObject();
                labels.Remove("ferry-test");
                if (labels.Count == 0)
                {
                    theirs[i]["metadata"]!.AsObject().Remove("labels");
                }

                Assert.True(JsonNode.DeepEquals(ours[i], theirs[i]),
                    $"{file} document {i}:\nours:   {ours[i].ToJsonString()}\nkubectl: {theirs[i].ToJsonString()}");
            }
        }
    }

    private static List<JsonObject> ParseAll(string output)
    {
        var result = new List<JsonObject>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            result.Add(JsonNode.Parse(ref reader)!.AsObject());
        }

        return result;
    }

    private static string RunKubectl(params string[] args)
    {
        var kubectl = Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } k ? k : "kubectl";
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KUBECONFIG"] = "/dev/null";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {stderr}");
        return stdout.Result;
    }
}
