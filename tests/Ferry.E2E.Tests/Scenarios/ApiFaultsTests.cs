using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios;

/// <summary>Scenario 7: the API server answers a share of Lease updates with 409 Conflict and cuts every watch after
/// half a second: the run still completes and no object is counted twice.</summary>
[Collection(E2ECollection.Name)]
public sealed class ApiFaultsTests(E2EFixture fixture)
{
    [Fact]
    public async Task LeaseConflictsAndDroppedWatches_RunCompletesWithEveryObjectCountedOnce()
    {
        const string ns = "faults";
        SourceTree tree = fixture.Tree;
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "faults");
        await cluster.PrepareNamespaceAsync(ns, "replica");
        cluster.Sim.Faults.ConflictRates["leases"] = 0.3;
        // Well below the run's length: the whole run now takes about a second (it took more than two when this cut
        // watches after 2 s, and a faster runner then saw no watch dropped at all).
        cluster.Sim.Faults.DropWatchesAfter = TimeSpan.FromMilliseconds(500);

        // The timer only arms on watches opened from now on: cut the operator's open ones so that they reconnect under
        // it (otherwise a run shorter than the watches' lifetime might see no drop at all).
        cluster.Sim.DropWatches();

        await cluster.ApplyAsync(Manifests.SyncJob(ns, "under-fire", tree.Bucket, fixture.S3.Endpoint, "replica", "docs", workers: 3, spec => spec["threads"] = 2));
        SyncJobView status = await cluster.WaitForCompleteAsync(ns, "under-fire", TimeSpan.FromSeconds(150));
        long conflicts = cluster.Sim.Faults.InjectedConflicts;
        long dropped = cluster.Sim.Faults.DroppedWatches;
        cluster.Sim.Faults.Clear();

        string context = $"{conflicts} injected conflicts, {dropped} dropped watches\n{cluster.Describe(ns)}";
        Assert.True(conflicts >= 5, context);
        Assert.True(dropped >= 3, context);
        TreeSnapshot.AssertEqual(tree.Files, TreeSnapshot.Take(cluster.VolumePath("replica", "docs")), "destination");
        Assert.True(status.Is("SpecValid") && !status.Is("Failed"), context);
        Assert.Equal("Succeeded", status.Phase);
        Assert.Equal(tree.Count, status.Progress("scanned"));
        Assert.Equal(tree.Count, status.Progress("copied"));
        Assert.Equal(tree.TotalBytes, status.Progress("copiedBytes"));
        Assert.Equal(0L, status.Progress("skipped"));
        Assert.Equal(0L, status.Progress("failed"));
        long tasks = cluster.CopyTasks(ns, status.Uid).Count;
        Assert.Equal(tasks, status.Tasks("total"));
        Assert.Equal(tasks, status.Tasks("done"));
    }
}
