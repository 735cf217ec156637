using System.Text.Json.Nodes;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 4: the operator process SIGKILLed in the middle of a run and started again: the run completes
/// and the status is right, with the same runner Job (no second one).</summary>
[Collection(E2ECollection.Name)]
public sealed class OperatorRestartTests(E2EFixture fixture)
{
    [Fact]
    public async Task OperatorKilledAndRestartedMidRun_RunCompletesWithCorrectStatus()
    {
        const string ns = "restart";
        SourceTree tree = fixture.Tree;
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "restart");
        await cluster.PrepareNamespaceAsync(ns, "archive");
        await cluster.ApplyAsync(Manifests.SyncJob(ns, "nightly", tree.Bucket, fixture.S3.Endpoint, "archive", "docs", workers: 3, spec =>
        {
            spec["bwLimit"] = 1;
            spec["threads"] = 2;
        }));

        // Mid-run: the operator has written progress and the workers are copying.
        SyncJobView before = await cluster.WaitForSyncJobAsync(ns, "nightly",
            s => s.Progress("copied") > 0 && !s.Is("Complete"), TimeSpan.FromSeconds(60), "progress in the status");
        JsonObject job = Assert.Single(cluster.Jobs(ns));
        string jobUid = (string)job["metadata"]!["uid"]!;
        int killedPid = cluster.Operator.Pid;
        cluster.Operator.Kill();
        Assert.False(Ferry.ClusterSim.Kubelet.NativeSignals.IsAlive(killedPid));
        await Task.Delay(TimeSpan.FromSeconds(1));
        cluster.StartOperator();

        SyncJobView status = await cluster.WaitForCompleteAsync(ns, "nightly");
        string context = cluster.Describe(ns);
        Assert.True(before.Progress("copied") < tree.Count, $"the run was already over when the operator was killed\n{context}");
        Assert.Equal(jobUid, (string?)Assert.Single(cluster.Jobs(ns))["metadata"]!["uid"]);
        Assert.True(status.Is("SpecValid") && !status.Is("Failed") && !status.Is("Progressing"), context);
        Assert.Equal("Succeeded", status.Phase);
        Assert.Equal(status.Generation, status.ObservedGeneration);
        Assert.Equal(before.Object["status"]?["startTime"]?.ToJsonString(), status.Object["status"]?["startTime"]?.ToJsonString());
        Assert.Equal(tree.Count, status.Progress("scanned"));
        Assert.Equal(tree.Count, status.Progress("copied"));
        Assert.Equal(tree.TotalBytes, status.Progress("copiedBytes"));
        Assert.Equal(0L, status.Progress("skipped"));
        Assert.Equal(0L, status.Progress("failed"));
        long tasks = cluster.CopyTasks(ns, status.Uid).Count;
        Assert.Equal(tasks, status.Tasks("total"));
        Assert.Equal(tasks, status.Tasks("done"));
        TreeSnapshot.AssertEqual(tree.Files, TreeSnapshot.Take(cluster.VolumePath("archive", "docs")), "destination");
    }
}
