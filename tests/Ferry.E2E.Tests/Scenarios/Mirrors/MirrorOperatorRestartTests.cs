using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenario 5: the operator is SIGKILLed while the children copy and started again: no second child
/// is created for the slot, the run completes and is recorded, and the restarted operator's metrics are right
/// (they are read from the status, VolSync #1167).</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorOperatorRestartTests(E2EFixture fixture)
{
    [Fact]
    public async Task OperatorKilledMidRun_NoDuplicateChild_RunRecorded_MetricsRight()
    {
        const string ns = "mrestart";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "mrestart");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        await cluster.ApplyAsync(Manifests.Claim(ns, "ap"));
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 40);
        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "slow", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r"), ("ap", "ap", "r")], spec =>
        {
            spec["interval"] = "1h";
            spec["bwLimit"] = 1;
            spec["threads"] = 2;
        }));

        await cluster.WaitUntilAsync(ns, () => new[] { "eu", "ap" }.All(d => cluster.MirrorChildren(ns, "slow", d).SingleOrDefault()?.Progress("copied") > 0),
            TimeSpan.FromSeconds(60), "both children copying");
        string[] before = [.. new[] { "eu", "ap" }.Select(d => cluster.MirrorChildren(ns, "slow", d).Single().Uid)];
        cluster.Operator.Kill();
        await Task.Delay(TimeSpan.FromSeconds(1));
        cluster.StartOperator();

        MirrorView done = await cluster.WaitForMirrorAsync(ns, "slow", m => m.LastResult("eu") == "Succeeded" && m.LastResult("ap") == "Succeeded",
            TimeSpan.FromSeconds(120), "both runs recorded after the restart");
        string context = cluster.Describe(ns);
        Assert.Equal(before, new[] { "eu", "ap" }.Select(d => Assert.Single(cluster.MirrorChildren(ns, "slow", d)).Uid));
        Assert.True(done.ConditionStatus("InSync") == "True", context);
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "r")), "eu");
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("ap", "r")), "ap");

        // The operator serves what its cache holds; its own last status write reaches the cache a moment later.
        using var http = new HttpClient();
        Uri url = await cluster.Operator.MetricsUrlAsync();
        long bytes = source.Expected.Keys.Sum(k => new FileInfo(Path.Combine(fixture.Tree.Directory, k)).Length);
        string[] expected =
        [
            .. new[] { "eu", "ap" }.SelectMany(d => new[]
            {
                $"ferry_mirror_runs_total{{destination=\"{d}\",mirror=\"slow\",namespace=\"{ns}\",result=\"succeeded\"}} 1\n",
                $"ferry_mirror_runs_total{{destination=\"{d}\",mirror=\"slow\",namespace=\"{ns}\",result=\"failed\"}} 0\n",
                $"ferry_mirror_in_sync{{destination=\"{d}\",mirror=\"slow\",namespace=\"{ns}\"}} 1\n",
                $"ferry_mirror_copied_bytes_total{{destination=\"{d}\",mirror=\"slow\",namespace=\"{ns}\"}} {bytes}\n",
            }),
        ];
        string metrics = "";
        await cluster.WaitUntilAsync(ns, () =>
        {
            metrics = http.GetStringAsync(url).GetAwaiter().GetResult();
            return expected.All(line => metrics.Contains(line, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(10), "the restarted operator's mirror metrics");
    }
}
