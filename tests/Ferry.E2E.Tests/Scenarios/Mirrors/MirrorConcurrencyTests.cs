using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenario 6: a bandwidth-limited run outlasts the interval. Under Forbid the due run is skipped and
/// counted; switched to Replace, the next slot deletes the running child and starts a new one.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorConcurrencyTests(E2EFixture fixture)
{
    [Fact]
    public async Task SlowRun_ForbidSkipsAndCounts_ReplaceRestarts()
    {
        const string ns = "overlap";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "overlap");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 40);
        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "busy", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r")], spec =>
        {
            spec["interval"] = "2s";
            spec["bwLimit"] = 1;
            spec["threads"] = 1;
        }));

        MirrorView skipped = await cluster.WaitForMirrorAsync(ns, "busy", m => m.MissedIntervals >= 1, TimeSpan.FromSeconds(60), "a skipped slot");
        SyncJobView first = Assert.Single(cluster.MirrorChildren(ns, "busy", "eu"));
        Assert.False(first.Is("Complete"), cluster.Describe(ns));
        Assert.Equal((string?)first.Object["metadata"]!["name"], (string?)skipped.Destination("eu")!["active"]);
        // The reconciler writes the status first and records the plan's Events after it: wait for the Event.
        await cluster.WaitUntilAsync(ns, () => cluster.Events(ns, "ReplicaMirror", "busy").Any(e => (string?)e["reason"] == "RunSkipped"),
            TimeSpan.FromSeconds(30), "the RunSkipped Event");

        await cluster.Kubectl.RunOkAsync("patch", "rmir", "busy", "-n", ns, "--type", "merge", "-p", """{"spec":{"concurrencyPolicy":"Replace"}}""");

        await cluster.WaitUntilAsync(ns, () => cluster.MirrorChildren(ns, "busy", "eu").All(c => c.Uid != first.Uid) && cluster.MirrorChildren(ns, "busy", "eu").Count >= 1,
            TimeSpan.FromSeconds(60), "the first child replaced by a newer one");
        await cluster.WaitUntilAsync(ns, () => cluster.Events(ns, "ReplicaMirror", "busy").Any(e => (string?)e["reason"] == "RunReplaced"),
            TimeSpan.FromSeconds(30), "the RunReplaced Event");
    }
}
