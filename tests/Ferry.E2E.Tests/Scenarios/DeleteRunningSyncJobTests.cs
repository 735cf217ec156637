using Ferry.ClusterSim.Kubelet;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 6: deleting a SyncJob while its workers copy stops them: pods and their processes gone, the run's
/// Leases gone, and nothing written to the destination afterwards.</summary>
[Collection(E2ECollection.Name)]
public sealed class DeleteRunningSyncJobTests(E2EFixture fixture)
{
    [Fact]
    public async Task KubectlDelete_RunningSyncJob_StopsPodsRemovesLeasesAndWritesNothingAfterwards()
    {
        const string ns = "cancel";
        SourceTree tree = fixture.Tree;
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "cancel");
        await cluster.PrepareNamespaceAsync(ns, "scratch");
        await cluster.ApplyAsync(Manifests.SyncJob(ns, "big-copy", tree.Bucket, fixture.S3.Endpoint, "scratch", "docs", workers: 3, spec =>
        {
            spec["bwLimit"] = 1;
            spec["threads"] = 2;
        }));
        string uid = (await cluster.WaitForSyncJobAsync(ns, "big-copy", _ => true, TimeSpan.FromSeconds(10), "created")).Uid;
        await cluster.WaitUntilAsync(ns, () => TaskLease.Of(cluster, ns, uid).Any(t => t.Counter("copied") > 0) && cluster.Kubelet.ProcessIds.Count >= 2,
            TimeSpan.FromSeconds(60), "workers copying");
        var pids = cluster.Kubelet.ProcessIds.ToList();

        await cluster.Kubectl.RunOkAsync("delete", "syncjob", "big-copy", "-n", ns, "--timeout=60s");

        await cluster.WaitUntilAsync(ns, () => cluster.Pods(ns).Count == 0 && pids.All(p => !NativeSignals.IsAlive(p)),
            TimeSpan.FromSeconds(45), $"pods and processes {string.Join(", ", pids)} gone");
        await cluster.WaitUntilAsync(ns, () => cluster.RunLeases(ns, uid).Count == 0 && cluster.Jobs(ns).Count == 0,
            TimeSpan.FromSeconds(30), "the run's Leases and Job gone");
        Assert.Null(cluster.TryGetSyncJob(ns, "big-copy"));

        string destination = cluster.VolumePath("scratch", "docs");
        SortedDictionary<string, string> after = TreeSnapshot.Take(destination);
        await Task.Delay(TimeSpan.FromSeconds(4));
        string context = cluster.Describe(ns);
        TreeSnapshot.AssertEqual(after, TreeSnapshot.Take(destination), "destination some seconds after the pods were gone");
        Assert.Empty(cluster.RunLeases(ns, uid));
        Assert.Empty(cluster.Pods(ns));

        // Stopped mid-way, and what was written is whole: every file equals its source, and the killed writes left
        // no temporary files (they were unnamed until whole).
        Assert.DoesNotContain(after.Keys, TreeSnapshot.IsTemporary);
        var finished = after.ToList();
        Assert.True(finished.Count < tree.Count, $"the copy had finished before the delete: {finished.Count} files\n{context}");
        foreach ((string key, string hash) in finished)
        {
            Assert.True(tree.Files.TryGetValue(key, out string? want) && want == hash, $"{key} in the destination is not the source's\n{context}");
        }
    }
}
