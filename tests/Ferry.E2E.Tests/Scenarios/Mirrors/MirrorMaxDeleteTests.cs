using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenario 4: the source is emptied by accident. The default <c>maxDelete: 50%</c> holds: the runs
/// fail before deleting anything, no destination loses a file, the mirror says MaxDeleteExceeded.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorMaxDeleteTests(E2EFixture fixture)
{
    [Fact]
    public async Task SourceEmptied_MaxDeleteHolds_NothingDeletedAnywhere()
    {
        const string ns = "emptied";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "emptied");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        await cluster.ApplyAsync(Manifests.Claim(ns, "ap"));
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 30);
        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "guarded", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r"), ("ap", "ap", "r")], spec => spec["interval"] = "3s"));
        await cluster.WaitForMirrorAsync(ns, "guarded", m => m.LastResult("eu") == "Succeeded" && m.LastResult("ap") == "Succeeded", TimeSpan.FromSeconds(90), "the first run");

        await source.EmptyAsync();

        MirrorView refused = await cluster.WaitForMirrorAsync(ns, "guarded", m => m.LastResult("eu") == "Failed" && m.LastResult("ap") == "Failed",
            TimeSpan.FromSeconds(90), "both destinations refusing to mirror the empty source");
        string context = cluster.Describe(ns);
        Assert.Equal("MaxDeleteExceeded", (string?)refused.Destination("eu")!["lastResult"]!["reason"]);
        Assert.Equal("MaxDeleteExceeded", (string?)refused.Condition("Degraded")!["reason"]);
        Assert.True(refused.ConditionStatus("Degraded") == "True", context);
        Assert.True(refused.LastSyncResult == "Failed", context);
        // The reconciler writes the status first and records the plan's Events after it: wait for the Event.
        await cluster.WaitUntilAsync(ns, () => cluster.Events(ns, "ReplicaMirror", "guarded").Any(e => (string?)e["reason"] == "MaxDeleteExceeded" && (string?)e["type"] == "Warning"),
            TimeSpan.FromSeconds(30), "the MaxDeleteExceeded Warning Event");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "r")), "eu after the emptied source");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("ap", "r")), "ap after the emptied source");
    }
}
