using System.Text.Json.Nodes;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenarios 1 and 7: an interval ReplicaMirror from radosgw to two volumes converges byte for byte;
/// an added, a modified, a same-size-edited and a deleted source key reach both destinations on the next run; the
/// status and conditions say so; the history limit prunes old children.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorIntervalTests(E2EFixture fixture)
{
    [Fact]
    public async Task IntervalMirror_TwoVolumes_ConvergeAndCarryEveryKindOfChangeIncludingSameSizeEdits()
    {
        const string ns = "mirror";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "mirror");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        await cluster.ApplyAsync(Manifests.Claim(ns, "ap"));
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 60);

        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "docs", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "replica"), ("ap", "ap", "replica")], spec =>
        {
            spec["interval"] = "4s";
            spec["successfulRunsHistoryLimit"] = 1;
        }));
        await cluster.WaitForMirrorAsync(ns, "docs", m => m.LastResult("eu") == "Succeeded" && m.LastResult("ap") == "Succeeded", TimeSpan.FromSeconds(90), "the first run of both destinations");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "replica")), "eu after the first run");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("ap", "replica")), "ap after the first run");

        // Change the source: add, modify (other size), edit keeping the size, delete.
        string[] keys = [.. source.Expected.Keys];
        string sameSize = keys.First(k => new FileInfo(Path.Combine(fixture.Tree.Directory, k)).Length > 100);
        string modified = keys.Last(k => k != sameSize);
        string deleted = keys[keys.Length / 2];
        DateTimeOffset changed = DateTimeOffset.UtcNow;
        await source.PutAsync("added/notes.txt", "a file that appeared after the first run\n");
        await source.PutAsync(modified, "shorter replacement content\n");
        await source.EditKeepingSizeAsync(sameSize);
        await source.DeleteAsync(deleted);
        DateTimeOffset after = new DateTimeOffset(changed.UtcTicks - (changed.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(2);

        MirrorView synced = await cluster.WaitForMirrorAsync(ns, "docs",
            m => m.LastResult("eu") == "Succeeded" && m.LastResult("ap") == "Succeeded" && m.LastSuccessStart("eu") >= after && m.LastSuccessStart("ap") >= after,
            TimeSpan.FromSeconds(90), "a successful run of both destinations that started after the changes");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "replica")), "eu after the changes");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("ap", "replica")), "ap after the changes");
        Assert.Equal(new FileInfo(Path.Combine(fixture.Tree.Directory, sameSize)).Length, new FileInfo(Path.Combine(cluster.VolumePath("eu", "replica"), sameSize)).Length);

        string context = cluster.Describe(ns);
        Assert.True(synced.ConditionStatus("Ready") == "True", context);
        Assert.True(synced.ConditionStatus("InSync") == "True", context);
        Assert.True(synced.ConditionStatus("Degraded") == "False", context);
        Assert.True(synced.ConditionStatus("Suspended") == "False", context);
        Assert.Equal("Succeeded", synced.LastSyncResult);
        Assert.Equal(synced.Generation, synced.ObservedGeneration);
        foreach (string d in new[] { "eu", "ap" })
        {
            JsonObject status = synced.Destination(d)!;
            Assert.True((long?)status["totals"]?["succeededRuns"] >= 2, context);
            Assert.Equal(0L, synced.ConsecutiveFailures(d));
            Assert.NotNull(status["lastSyncTime"]);
            Assert.NotNull(status["lastSyncDuration"]);
        }

        IReadOnlyList<JsonObject> events = cluster.Events(ns, "ReplicaMirror", "docs");
        Assert.Contains(events, e => (string?)e["reason"] == "RunStarted");
        Assert.Contains(events, e => (string?)e["reason"] == "RunSucceeded");

        // What a person sees.
        string table = (await cluster.Kubectl.RunOkAsync("get", "rmir", "docs", "-n", ns)).Stdout;
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+READY\s+IN SYNC\s+LAST SYNC\s+NEXT SYNC\s+AGE$", lines[0]);
        Assert.Matches(@"^docs\s+True\s+True\s+\S+\s+\S+\s+\S+$", lines[1]);

        // History: successfulRunsHistoryLimit 1 keeps the newest succeeded child (plus a running one).
        await cluster.WaitUntilAsync(ns, () => cluster.MirrorChildren(ns, "docs", "eu").Count(c => c.Is("Complete")) == 1, TimeSpan.FromSeconds(30), "pruned history");
        Assert.True(cluster.MirrorChildren(ns, "docs", "eu").Count <= 2, cluster.Describe(ns));
    }
}
