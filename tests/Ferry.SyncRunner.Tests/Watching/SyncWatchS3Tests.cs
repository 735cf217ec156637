using Amazon.S3;
using Amazon.S3.Model;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Radosgw;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary><c>ferry sync --watch</c> from an S3 source, which has no change events: the sync repeats every
/// <c>--watch-interval</c> (against radosgw).</summary>
[Collection(RadosgwFixture.Collection)]
public sealed class SyncWatchS3Tests(RadosgwFixture fixture)
{
    [Fact]
    public async Task Watch_S3Source_RepeatsTheSyncEveryWatchInterval()
    {
        string bucket = await fixture.Server.CreateBucketAsync("watch");
        using AmazonS3Client client = fixture.Server.CreateClient();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "in/first.txt", ContentBody = "first" });
        using var dst = new TempDirectory();
        await using var run = WatchRun.Start("--watch-interval", "1s", "--delete-dst", fixture.Server.Url(bucket, "in/"), dst.Path + "/");
        await run.WaitForStartAsync();
        Assert.Equal("first", File.ReadAllText(dst.Combine("first.txt")));

        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "in/second.txt", ContentBody = "second" });
        await client.DeleteObjectAsync(bucket, "in/first.txt");
        await run.WaitUntilAsync(() => File.Exists(dst.Combine("second.txt")) && !File.Exists(dst.Combine("first.txt")), TimeSpan.FromSeconds(60), "the next sync");

        Assert.Equal(0, await run.StopAsync());
        Assert.Contains(run.Events, e => (string?)e["event"] == "full-sync" && (string?)e["reason"] == "interval");
        Assert.DoesNotContain(run.Events, e => (string?)e["event"] == "batch");
    }
}
