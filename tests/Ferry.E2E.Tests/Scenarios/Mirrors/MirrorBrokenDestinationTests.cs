using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Mirrors;

/// <summary>Mirror scenario 3: one destination's Secret holds a wrong secret key. The other destination succeeds, the
/// mirror is PartiallyFailed and Degraded, consecutiveFailures grows; once the Secret is fixed the next run of the
/// broken destination succeeds and Degraded clears (VolSync #290 kept a stale error). The credential never appears in
/// the status or the Events.</summary>
[Collection(E2ECollection.Name)]
public sealed class MirrorBrokenDestinationTests(E2EFixture fixture)
{
    [Fact]
    public async Task WrongSecretOnOneDestination_OtherSucceedsDegradedUntilFixed()
    {
        const string ns = "broken";
        const string wrongSecret = "wrong-secret-key-never-shown-0123456789";
        await using E2ECluster cluster = await E2ECluster.StartAsync(fixture, "broken");
        await cluster.PrepareNamespaceAsync(ns, "eu");
        using MirrorSource source = await MirrorSource.CreateAsync(fixture.S3, fixture.Tree, 25);
        string vault = await fixture.S3.CreateBucketAsync("vault");
        await cluster.ApplyAsync(VaultSecret(ns, fixture.S3.AccessKey, wrongSecret));

        await cluster.ApplyAsync(Manifests.ReplicaMirror(ns, "split", source.Bucket, fixture.S3.Endpoint, [("eu", "eu", "r")], spec =>
        {
            spec["interval"] = "3s";
            spec["maxFailures"] = 1;
            spec["destinations"]!.AsArray().Add(new JsonObject
            {
                ["name"] = "vault",
                ["s3"] = new JsonObject
                {
                    ["bucket"] = vault,
                    ["prefix"] = "copy/",
                    ["endpoint"] = fixture.S3.Endpoint.GetLeftPart(UriPartial.Authority),
                    ["forcePathStyle"] = true,
                    ["credentialsSecretRef"] = new JsonObject { ["name"] = "vault-creds" },
                },
            });
        }));

        MirrorView degraded = await cluster.WaitForMirrorAsync(ns, "split",
            m => m.LastResult("eu") == "Succeeded" && m.LastResult("vault") == "Failed" && m.ConsecutiveFailures("vault") >= 2,
            TimeSpan.FromSeconds(120), "eu succeeded, vault failed twice in a row");
        string context = cluster.Describe(ns);
        Assert.True(degraded.LastSyncResult == "PartiallyFailed", context);
        Assert.True(degraded.ConditionStatus("Degraded") == "True", context);
        Assert.Contains("vault", (string?)degraded.Condition("Degraded")!["message"], StringComparison.Ordinal);
        Assert.True(degraded.ConditionStatus("Ready") == "True", context);
        Assert.NotNull((string?)degraded.Destination("vault")!["lastError"]);
        TreeSnapshot.AssertEqual(source.Expected, TreeSnapshot.Take(cluster.VolumePath("eu", "r")), "eu while vault fails");
        Assert.Contains(cluster.Events(ns, "ReplicaMirror", "split"), e => (string?)e["reason"] == "RunFailed" && (string?)e["type"] == "Warning");

        await cluster.ApplyAsync(VaultSecret(ns, fixture.S3.AccessKey, fixture.S3.SecretKey));
        MirrorView healed = await cluster.WaitForMirrorAsync(ns, "split", m => m.LastResult("vault") == "Succeeded" && m.ConditionStatus("Degraded") == "False",
            TimeSpan.FromSeconds(90), "vault succeeded after the Secret was fixed");
        Assert.Equal(0L, healed.ConsecutiveFailures("vault"));
        Assert.Null(healed.Destination("vault")!["lastError"]);
        Assert.True((long?)healed.Destination("vault")!["totals"]?["failedRuns"] >= 2);
        Assert.Equal(source.Expected, await BucketSnapshotAsync(vault, "copy/"));

        string everything = cluster.GetMirror(ns, "split").ToString() + string.Join('\n', cluster.Events(ns, "ReplicaMirror", "split").Select(e => e.ToJsonString()));
        Assert.DoesNotContain(wrongSecret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.S3.SecretKey, everything, StringComparison.Ordinal);
    }

    private static JsonObject VaultSecret(string ns, string accessKey, string secretKey) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = "vault-creds", ["namespace"] = ns },
        ["type"] = "Opaque",
        ["stringData"] = new JsonObject { ["accessKeyId"] = accessKey, ["secretAccessKey"] = secretKey },
    };

    private async Task<SortedDictionary<string, string>> BucketSnapshotAsync(string bucket, string prefix)
    {
        using AmazonS3Client client = fixture.S3.CreateClient();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            foreach (S3Object o in page.S3Objects ?? [])
            {
                using GetObjectResponse get = await client.GetObjectAsync(bucket, o.Key);
                using var buffer = new MemoryStream();
                await get.ResponseStream.CopyToAsync(buffer);
                result[o.Key[prefix.Length..]] = Convert.ToHexString(SHA256.HashData(buffer.ToArray()));
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return result;
    }
}
