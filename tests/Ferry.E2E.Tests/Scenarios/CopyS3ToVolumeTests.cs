using System.Text.Json.Nodes;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 1: <c>kubectl apply</c> of a SyncJob copying a real tree from radosgw to a volume with three
/// runner pods.</summary>
[Collection(E2ECollection.Name)]
public sealed class CopyS3ToVolumeTests(E2EFixture fixture)
{
    [Fact]
    public async Task Apply_S3ToVolumeWithThreeWorkers_CompletesWithExactCountsAndIdenticalTree()
    {
        const string ns = "copy";
        SourceTree tree = fixture.Tree;
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "copy");
        await cluster.PrepareNamespaceAsync(ns, "datasets");

        await cluster.ApplyAsync(Manifests.SyncJob(ns, "docs", tree.Bucket, fixture.S3.Endpoint, "datasets", "docs", workers: 3));
        await cluster.WaitForCompleteAsync(ns, "docs");

        // What a person sees: the object as kubectl returns it.
        var status = new SyncJobView(JsonNode.Parse((await cluster.Kubectl.RunOkAsync("get", "syncjob", "docs", "-n", ns, "-o", "json")).Stdout)!.AsObject());
        string context = cluster.Describe(ns);
        Assert.True(status.Is("Complete"), context);
        Assert.False(status.Is("Failed"), context);
        Assert.True(status.Is("SpecValid"), context);
        Assert.False(status.Is("Progressing"), context);
        Assert.Equal("Succeeded", status.Phase);
        Assert.Equal(status.Generation, status.ObservedGeneration);
        Assert.NotNull(status.Object["status"]?["completionTime"]);
        Assert.Equal(tree.Count, status.Progress("scanned"));
        Assert.Equal(tree.TotalBytes, status.Progress("scannedBytes"));
        Assert.Equal(tree.Count, status.Progress("copied"));
        Assert.Equal(tree.TotalBytes, status.Progress("copiedBytes"));
        Assert.Equal(0L, status.Progress("skipped"));
        Assert.Equal(0L, status.Progress("failed"));
        long tasks = cluster.CopyTasks(ns, status.Uid).Count;
        Assert.True(tasks >= tree.Count / 40, $"{tasks} copy tasks for {tree.Count} objects at taskObjects 40\n{context}");
        Assert.Equal(tasks, status.Tasks("total"));
        Assert.Equal(tasks, status.Tasks("done"));
        Assert.Equal(0L, status.Tasks("failed"));

        // The runner Job: three pods sharing one queue, owned by the SyncJob.
        JsonObject job = Assert.Single(cluster.Jobs(ns));
        Assert.Equal(Ferry.Api.Runs.RunNames.JobName("docs"), (string?)job["metadata"]!["name"]);
        Assert.Equal(3, (int?)job["spec"]!["parallelism"]);
        Assert.Null(job["spec"]!["completions"]);
        JsonNode owner = Assert.Single(job["metadata"]!["ownerReferences"]!.AsArray())!;
        Assert.Equal(status.Uid, (string?)owner["uid"]);
        Assert.True((bool?)owner["controller"]);

        // The queue: one scan Lease with the outcome, every Lease of the run owned by the SyncJob (garbage collected
        // with it).
        IReadOnlyList<JsonObject> leases = cluster.RunLeases(ns, status.Uid);
        JsonObject scan = Assert.Single(leases, l => (string?)l["metadata"]!["labels"]?[Ferry.Api.Runs.RunLabels.LeaseRole] == Ferry.Api.Runs.LeaseRoles.Scan);
        Assert.Equal(Ferry.Api.Runs.RunNames.ScanLease("docs"), (string?)scan["metadata"]!["name"]);
        Assert.Equal(Ferry.Api.Runs.RunOutcomes.Succeeded, (string?)scan["metadata"]!["annotations"]?[Ferry.Api.Runs.RunAnnotations.Outcome]);
        Assert.All(leases, l => Assert.Contains(l["metadata"]!["ownerReferences"]!.AsArray(), o => (string?)o!["uid"] == status.Uid));

        TreeSnapshot.AssertEqual(tree.Files, TreeSnapshot.Take(cluster.VolumePath("datasets", "docs")), "destination");
    }
}
