using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator;

/// <summary>The repository's CRDs served by the simulator: the samples are accepted, and every invalid variant kept
/// by the API tests (<c>tests/Ferry.Api.Tests/Samples/Invalid/</c>) is refused.</summary>
public sealed class CrdSamplesTests : IAsyncLifetime
{
    private ClusterSimulator _sim = null!;
    private SimHttp _http = null!;

    public static TheoryData<string> InvalidSamples()
    {
        var data = new TheoryData<string>();
        foreach (string? f in Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "tests", "Ferry.Api.Tests", "Samples", "Invalid"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    public async Task InitializeAsync()
    {
        _sim = await ClusterSimulator.StartAsync();
        _http = new SimHttp(_sim);
        foreach (string file in Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "crds"), "*.yaml"))
        {
            foreach (JsonObject crd in TestFiles.ReadYamlDocuments(file))
            {
                await _http.CreateAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
            }
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private static string Collection(JsonObject obj)
    {
        string plural = obj["kind"]!.GetValue<string>() switch
        {
            "SyncJob" => "syncjobs",
            "ReplicaMirror" => "replicamirrors",
            var k => throw new InvalidOperationException($"unexpected kind {k}"),
        };
        return $"/apis/{obj["apiVersion"]!.GetValue<string>()}/namespaces/default/{plural}?fieldValidation=Strict";
    }

    [Fact]
    public async Task Samples_AreAccepted()
    {
        var samples = Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "config", "samples"), "*.yaml")
            .SelectMany(TestFiles.ReadYamlDocuments).Where(d => d["apiVersion"]!.GetValue<string>().StartsWith("ferry.io/", StringComparison.Ordinal)).ToList();

        foreach (JsonObject? sample in samples)
        {
            sample["metadata"]!.AsObject().Remove("namespace");
            await _http.CreateAsync(Collection(sample), sample);
        }

        Assert.NotEmpty(samples);
    }

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public async Task InvalidSample_IsRefused(string file)
    {
        string path = Path.Combine(TestFiles.RepoRoot, "tests", "Ferry.Api.Tests", "Samples", "Invalid", file);
        JsonObject obj = TestFiles.ReadYaml(path);
        obj["metadata"]!.AsObject().Remove("namespace");

        (HttpStatusCode code, JsonObject? status) = await _http.PostAsync(Collection(obj), obj);

        Assert.True(code is (HttpStatusCode)422 or HttpStatusCode.BadRequest, $"{file}: {(int)code} {status.ToJsonString()}");
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartedSyncJob_SpecChangeRefusedByCelRule_SuspendAllowed()
    {
        JsonObject sample = TestFiles.ReadYaml(Path.Combine(TestFiles.RepoRoot, "config", "samples", "syncjob-s3-to-volume.yaml"));
        sample["metadata"]!.AsObject().Remove("namespace");
        JsonObject created = await _http.CreateAsync(Collection(sample), sample);
        string path = $"/apis/ferry.io/v1alpha1/namespaces/default/syncjobs/{created["metadata"]!["name"]!.GetValue<string>()}";

        (HttpStatusCode beforeStart, JsonObject _) = await _http.MergePatchAsync(path, JsonNode.Parse("""{"spec":{"workers":2}}""")!);
        await _http.MergePatchAsync($"{path}/status", JsonNode.Parse("""{"status":{"startTime":"2026-01-01T00:00:00Z"}}""")!);
        (HttpStatusCode afterStart, JsonObject? refused) = await _http.MergePatchAsync(path, JsonNode.Parse("""{"spec":{"source":{"s3":{"prefix":"elsewhere/"}}}}""")!);
        (HttpStatusCode suspend, JsonObject _) = await _http.MergePatchAsync(path, JsonNode.Parse("""{"spec":{"suspend":true}}""")!);

        Assert.Equal(HttpStatusCode.OK, beforeStart);
        Assert.Equal((HttpStatusCode)422, afterStart);
        Assert.Contains("immutable", refused["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, suspend);
    }
}
