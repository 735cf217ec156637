using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.ClusterSim.Kubelet;
using Ferry.E2E.Tests.Harness;
using Xunit.Abstractions;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Continuous mirror: a volume mirrored to a volume and to radosgw by a watcher pod (a real <c>ferry
/// watch-mirror</c> process in its own mount namespace, the source claim bound read-only); the first full sync runs as
/// child SyncJobs; later changes arrive in batches within the delay plus a few seconds; the watcher pod SIGKILLed is
/// re-created and its catch-up full sync brings both destinations back, a change made while no watcher ran included;
/// <c>status.continuous</c>, <c>InSync</c> and the metrics move as described.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorContinuousTests(E2EFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task ContinuousMirror_VolumeToVolumeAndRadosgw_BatchesArrive_WatcherKilledAndRecreatedCatchesUp()
    {
        const string ns = "cont";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "cont");
        await cluster.PrepareNamespaceAsync(ns, "inbox");
        await cluster.ApplyAsync(Manifests.Claim(ns, "replica"));
        string source = cluster.VolumePath("inbox", "data");
        foreach ((string key, _) in fixture.Tree.Files.Take(30))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, key))!);
            File.Copy(Path.Combine(fixture.Tree.Directory, key), Path.Combine(source, key));
        }

        string bucket = await fixture.S3.CreateBucketAsync("cont");
        using AmazonS3Client s3 = fixture.S3.CreateClient();
        await cluster.ApplyAsync(Mirror(ns, bucket));

        MirrorView first = await cluster.WaitForMirrorAsync(ns, "live",
            m => m.LastResult("vol") == "Succeeded" && m.LastResult("s3") == "Succeeded" && m.ConditionStatus("InSync") == "True",
            TimeSpan.FromSeconds(120), "the first full sync of both destinations and InSync");
        string context = cluster.Describe(ns);
        Assert.True(first.Continuous?["watcherPod"]?.GetValue<string>() == "live-watcher-0", context);
        Assert.All(new[] { "vol", "s3" }, d => Assert.Equal("full-sync", (string?)cluster.MirrorChildren(ns, "live", d).Single().Object["metadata"]!["annotations"]![Ferry.Api.ReplicaMirrors.MirrorLabels.Trigger]));
        await AssertMirroredAsync(cluster, s3, bucket, source, "after the first full sync");

        // Every kind of change; they arrive in a batch, within the 1 s delay plus a few seconds.
        var clock = Stopwatch.StartNew();
        DateTimeOffset changed = DateTimeOffset.UtcNow;
        string[] keys = [.. TreeSnapshot.Take(source).Keys];
        Directory.CreateDirectory(Path.Combine(source, "added"));
        File.WriteAllText(Path.Combine(source, "added", "new.txt"), "a file that appeared while watched\n");
        File.WriteAllText(Path.Combine(source, keys[0]), "replaced content\n");
        File.Delete(Path.Combine(source, keys[1]));
        File.Move(Path.Combine(source, keys[2]), Path.Combine(source, "renamed-" + Path.GetFileName(keys[2])));
        await WaitMirroredAsync(cluster, s3, bucket, source, TimeSpan.FromSeconds(60), "the batch of changes");
        TimeSpan arrival = clock.Elapsed;
        Assert.True(arrival < TimeSpan.FromSeconds(30), $"the changes took {arrival.TotalSeconds:0.0} s to arrive");
        output.WriteLine($"changes arrived on both destinations after {arrival.TotalSeconds:0.0} s (delay 1 s)");

        MirrorView batched = await cluster.WaitForMirrorAsync(ns, "live",
            m => m.Continuous?["lastBatchTime"] is JsonValue t && DateTimeOffset.Parse((string)t!, System.Globalization.CultureInfo.InvariantCulture) >= changed.AddSeconds(-1)
                && (long?)m.Continuous["lastBatchKeys"] >= 1 && (long?)m.Continuous["pendingChanges"] == 0,
            TimeSpan.FromSeconds(60), "status.continuous showing the batch");
        Assert.True(batched.ConditionStatus("InSync") == "True", cluster.Describe(ns));
        Assert.Equal("0s", (string?)batched.Object["status"]!["dataAge"]);
        Assert.All(new[] { "vol", "s3" }, d => Assert.Single(cluster.MirrorChildren(ns, "live", d)));
        using var http = new HttpClient();
        Uri metrics = await cluster.Operator.MetricsUrlAsync();
        await cluster.WaitUntilAsync(ns, () =>
        {
            string text = http.GetStringAsync(metrics).GetAwaiter().GetResult();
            return text.Contains($"ferry_mirror_pending_changes{{mirror=\"live\",namespace=\"{ns}\"}} 0", StringComparison.Ordinal)
                && text.Contains($"ferry_mirror_change_lag_seconds{{mirror=\"live\",namespace=\"{ns}\"}} 0", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), "the continuous mirror's metrics");

        // The watcher dies; a change made before its successor runs is caught by the successor's full sync.
        DateTimeOffset killed = DateTimeOffset.UtcNow;
        Assert.True(cluster.Kubelet.KillPod("live-watcher-0", PodSignal.SIGKILL, ns), cluster.Describe(ns));
        File.WriteAllText(Path.Combine(source, "while-down.txt"), "written while no watcher ran\n");
        MirrorView recovered = await cluster.WaitForMirrorAsync(ns, "live",
            m => m.Continuous?["watcherPod"]?.GetValue<string>() == "live-watcher-1" && m.Continuous["watcherRestarts"]?.GetValue<long>() == 1
                && new[] { "vol", "s3" }.All(d => m.LastResult(d) == "Succeeded" && m.LastSuccessStart(d) >= killed.AddSeconds(-1))
                && m.ConditionStatus("InSync") == "True",
            TimeSpan.FromSeconds(180), "the new watcher and its catch-up full sync");
        output.WriteLine($"watcher re-created and caught up {(DateTimeOffset.UtcNow - killed).TotalSeconds:0.0} s after the SIGKILL (back-off 10 s)");
        await AssertMirroredAsync(cluster, s3, bucket, source, "after the catch-up full sync");
        Assert.True(recovered.Continuous!["watcherFailures"]?.GetValue<long>() == 1, cluster.Describe(ns));
        Assert.Contains(cluster.Events(ns, "ReplicaMirror", "live"), e => (string?)e["reason"] == "WatcherStarted" && (string?)e["type"] == "Warning"
            && ((string?)e["message"])!.Contains("live-watcher-0 ended (Failed, exit code 137", StringComparison.Ordinal));
        Assert.DoesNotContain(cluster.Pods(ns), p => (string?)p["metadata"]!["name"] == "live-watcher-0");

        // And the new watcher applies batches: a burst of 1,000 files costs API requests per batch, not per key.
        cluster.Sim.Requests.Reset();
        for (int i = 0; i < 1000; i++)
        {
            Directory.CreateDirectory(Path.Combine(source, $"burst/{i % 20}"));
            File.WriteAllText(Path.Combine(source, $"burst/{i % 20}/{i}.txt"), $"burst file {i}\n");
        }

        await WaitMirroredAsync(cluster, s3, bucket, source, TimeSpan.FromSeconds(120), "the burst through the new watcher");
        long leaseWrites = cluster.Sim.Requests.Sum(k => k.Resource == "leases" && k.Namespace == ns && k.Verb is "update" or "create" or "patch");
        long mirrorReads = cluster.Sim.Requests.Sum(k => k.Resource == "replicamirrors" && k.Namespace == ns && k.Verb == "get");
        output.WriteLine($"1,000-file burst: {leaseWrites} watcher Lease writes, {mirrorReads} mirror reads");
        Assert.True(leaseWrites <= 50 && mirrorReads <= 50, $"{leaseWrites} Lease writes and {mirrorReads} mirror reads for 1,000 keys\n{cluster.Sim.Requests}");
    }

    [Fact]
    public async Task ContinuousMirror_FromS3_IsNotReady()
    {
        const string ns = "conts3";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "conts3");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "wrong", fixture.Tree.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r")], spec =>
            spec["continuous"] = new JsonObject { ["delay"] = "5s" }));

        MirrorView mirror = await cluster.WaitForMirrorAsync(ns, "wrong", m => m.ConditionStatus("Ready") == "False", TimeSpan.FromSeconds(60), "Ready=False");
        Assert.Equal("ContinuousNeedsVolume", (string?)mirror.Condition("Ready")!["reason"]);
        Assert.Contains("continuous needs a volume source; use interval", (string?)mirror.Condition("Ready")!["message"], StringComparison.Ordinal);
        Assert.Empty(cluster.Pods(ns));
        Assert.Empty(cluster.MirrorChildren(ns, "wrong", "eu"));
    }

    private JsonObject Mirror(string ns, string bucket) => new()
    {
        ["apiVersion"] = "ferry.io/v1alpha1",
        ["kind"] = "ReplicaMirror",
        ["metadata"] = new JsonObject { ["name"] = "live", ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["source"] = new JsonObject { ["volume"] = new JsonObject { ["claimName"] = "inbox", ["path"] = "data" } },
            ["destinations"] = new JsonArray(
                new JsonObject { ["name"] = "vol", ["volume"] = new JsonObject { ["claimName"] = "replica", ["path"] = "copy" } },
                new JsonObject
                {
                    ["name"] = "s3",
                    ["s3"] = new JsonObject
                    {
                        ["bucket"] = bucket,
                        ["prefix"] = "copy/",
                        ["endpoint"] = fixture.S3.Endpoint.GetLeftPart(UriPartial.Authority),
                        ["region"] = "us-east-1",
                        ["forcePathStyle"] = true,
                        ["credentialsSecretRef"] = new JsonObject { ["name"] = Manifests.S3Secret },
                    },
                }),
            ["continuous"] = new JsonObject { ["delay"] = "1s", ["fullSyncInterval"] = "0s" },
            ["rpo"] = "1m",
            ["workers"] = 1,
            ["runner"] = new JsonObject { ["image"] = Manifests.RunnerImage },
        },
    };

    private static async Task<SortedDictionary<string, string>> BucketAsync(AmazonS3Client s3, string bucket)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = "copy/" };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            foreach (S3Object o in page.S3Objects ?? [])
            {
                using GetObjectResponse body = await s3.GetObjectAsync(bucket, o.Key);
                using var buffer = new MemoryStream();
                await body.ResponseStream.CopyToAsync(buffer);
                result[o.Key["copy/".Length..]] = Convert.ToHexString(SHA256.HashData(buffer.ToArray()));
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return result;
    }

    private static async Task AssertMirroredAsync(E2ECluster cluster, AmazonS3Client s3, string bucket, string source, string what)
    {
        SortedDictionary<string, string> expected = TreeSnapshot.Take(source);
        TreeSnapshot.AssertEqual(expected, TreeSnapshot.Take(cluster.VolumePath("replica", "copy")), "vol " + what);
        TreeSnapshot.AssertEqual(expected, await BucketAsync(s3, bucket), "s3 " + what);
    }

    private static async Task WaitMirroredAsync(E2ECluster cluster, AmazonS3Client s3, string bucket, string source, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            SortedDictionary<string, string> expected = TreeSnapshot.Take(source);
            if (expected.SequenceEqual(TreeSnapshot.Take(cluster.VolumePath("replica", "copy"))) && expected.SequenceEqual(await BucketAsync(s3, bucket)))
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                await AssertMirroredAsync(cluster, s3, bucket, source, $"{what} (timed out after {timeout.TotalSeconds:0} s)\n{cluster.Describe("cont")}");
                return;
            }

            await Task.Delay(250);
        }
    }
}
