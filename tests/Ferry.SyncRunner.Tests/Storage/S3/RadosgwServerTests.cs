using Amazon.S3;
using Amazon.S3.Model;
using Ferry.Testing.Radosgw;
using Xunit.Abstractions;

namespace Ferry.SyncRunner.Tests.Storage.S3;

/// <summary>The radosgw fixture itself: it answers signed requests and refuses bad signatures.</summary>
[Collection(RadosgwFixture.Collection)]
public class RadosgwServerTests(RadosgwFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task StartAsync_Started_ServesSignedRequestsAndRefusesWrongSecret()
    {
        RadosgwServer server = fixture.Server;
        output.WriteLine($"radosgw started in {server.StartupTime.TotalSeconds:F1} s ({server.Attempts} attempt(s)) on {server.Endpoint}");
        string bucket = await server.CreateBucketAsync("probe");
        using AmazonS3Client client = server.CreateClient();
        ListBucketsResponse buckets = await client.ListBucketsAsync();
        Assert.Contains(bucket, buckets.Buckets!.Select(b => b.BucketName));

        using var wrong = new AmazonS3Client(
            new Amazon.Runtime.BasicAWSCredentials(server.AccessKey, "not-the-secret"),
            new AmazonS3Config { ServiceURL = server.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        AmazonS3Exception e = await Assert.ThrowsAsync<AmazonS3Exception>(() => wrong.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.StatusCode);
    }
}
