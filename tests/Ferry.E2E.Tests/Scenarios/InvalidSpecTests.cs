using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 5: a spec the API refuses, and a spec that references a missing Secret.</summary>
[Collection(E2ECollection.Name)]
public sealed class InvalidSpecTests(E2EFixture fixture)
{
    [Fact]
    public async Task Apply_InvalidSpecAndMissingSecret_RefusedOrSpecValidFalseWithNoPods()
    {
        const string ns = "invalid";
        SourceTree tree = fixture.Tree;
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "invalid");
        await cluster.PrepareNamespaceAsync(ns, "datasets", withSecret: false);

        // Refused by the API server's schema: kubectl fails with the validation message and nothing is stored.
        Kubectl.Result negative = await cluster.ApplyAsync(
            Manifests.SyncJob(ns, "negative", tree.Bucket, fixture.S3.Endpoint, "datasets", "docs", workers: -2), expectSuccess: false);
        Kubectl.Result twoKinds = await cluster.ApplyAsync(
            Manifests.SyncJob(ns, "two-kinds", tree.Bucket, fixture.S3.Endpoint, "datasets", "docs", workers: 1,
                spec => spec["destination"]!["s3"] = new System.Text.Json.Nodes.JsonObject { ["bucket"] = "elsewhere" }), expectSuccess: false);

        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("spec.workers in body should be greater than or equal to 1", negative.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, twoKinds.ExitCode);
        Assert.Contains("exactly one of s3, volume or sftp must be set", twoKinds.Stderr, StringComparison.Ordinal);
        Assert.Null(cluster.TryGetSyncJob(ns, "negative"));
        Assert.Null(cluster.TryGetSyncJob(ns, "two-kinds"));

        // Accepted by the API, refused by the operator: the credentials Secret does not exist.
        await cluster.ApplyAsync(Manifests.SyncJob(ns, "no-secret", tree.Bucket, fixture.S3.Endpoint, "datasets", "docs", workers: 3));
        SyncJobView status = await cluster.WaitForSyncJobAsync(ns, "no-secret",
            s => s.Condition("SpecValid") is { } c && (string?)c["status"] == "False", TimeSpan.FromSeconds(60), "SpecValid=False");

        // Give a wrong operator time to create children anyway before looking.
        await Task.Delay(TimeSpan.FromSeconds(3));
        string context = cluster.Describe(ns);
        Assert.Equal("SecretNotFound", (string?)status.Condition("SpecValid")!["reason"]);
        Assert.Contains(Manifests.S3Secret, (string?)status.Condition("SpecValid")!["message"] ?? "", StringComparison.Ordinal);
        Assert.Equal(status.Generation, status.ObservedGeneration);
        Assert.False(cluster.GetSyncJob(ns, "no-secret").Is("Complete"), context);
        Assert.Empty(cluster.Jobs(ns));
        Assert.Empty(cluster.Pods(ns));
        Assert.Empty(cluster.RunLeases(ns, status.Uid));
        Assert.Empty(cluster.Kubelet.ProcessIds);
    }
}
