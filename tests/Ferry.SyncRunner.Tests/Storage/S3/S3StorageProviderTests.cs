using Ferry.Api.Endpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3StorageProviderTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private readonly S3StorageProvider _provider = new();

    [Fact]
    public async Task CreateEndpoint_PartsTakenVerbatim_NoUrlInBetween()
    {
        var env = new Dictionary<string, string> { ["FERRY_SOURCE_ACCESS_KEY_ID"] = "AK:ID@", ["FERRY_SOURCE_SECRET_ACCESS_KEY"] = Secret };
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "my.data", Prefix = "a?b&c=d#e%41/", Endpoint = "http://127.0.0.1:7480", Region = "eu-central-1" } };

        await using var s3 = Assert.IsType<S3Storage>(_provider.Create(endpoint, new SyncJobSide(false, env.GetValueOrDefault)));

        Assert.Equal(("my.data", "a?b&c=d#e%41/", "AK:ID@", "eu-central-1", true), (s3.Location.Bucket, s3.Location.Prefix, s3.Location.AccessKey, s3.Location.Region, s3.Location.ForcePathStyle));
        Assert.Equal(Secret, s3.Location.SecretKey);
        Assert.Equal(new Uri("http://127.0.0.1:7480"), s3.Location.Endpoint);
        Assert.Equal(S3ModifiedTimeSource.Metadata, s3.Options.ModifiedTimeSource);
        Assert.Equal("s3://***:***@my.data/a?b&c=d#e%41/?endpoint=http://127.0.0.1:7480&region=eu-central-1", s3.DisplayName);
    }

    [Fact]
    public async Task CreateEndpoint_NoEndpoint_AwsRegionalEndpointInPathStyle()
    {
        await using var s3 = Assert.IsType<S3Storage>(_provider.Create(new Endpoint { S3 = new S3Endpoint { Bucket = "b" } }, new SyncJobSide(true, _ => null)));

        Assert.Equal((new Uri("https://s3.us-east-1.amazonaws.com"), "us-east-1", true), (s3.Location.Endpoint, s3.Location.Region, s3.Location.ForcePathStyle));
        Assert.Null(s3.Location.AccessKey);
        Assert.Equal("s3://b/?endpoint=https://s3.us-east-1.amazonaws.com&region=us-east-1", s3.DisplayName);
    }

    [Theory]
    [InlineData("ftp://host", "b", "the destination s3 endpoint: Bad endpoint 'ftp://host' in 's3://b/p/?endpoint=ftp://host&region=us-east-1' (expected http://HOST:PORT or https://HOST).")]
    [InlineData("http://h:1", "b/c", "the destination s3 endpoint: Bad bucket name 'b/c' in 's3://b/c/p/?endpoint=http://h:1&region=us-east-1'.")]
    public void CreateEndpoint_Malformed_NamesTheSideAndWhat(string url, string bucket, string message)
    {
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = bucket, Prefix = "p/", Endpoint = url } };

        var e = Assert.Throws<ArgumentException>(() => _provider.Create(endpoint, new SyncJobSide(true, _ => null)));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void CreateEndpoint_BadCredentials_SaySoWithoutShowingThem()
    {
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "b" } };
        var half = new Dictionary<string, string> { ["FERRY_SOURCE_ACCESS_KEY_ID"] = "AKID" };
        var token = new Dictionary<string, string>
        {
            ["FERRY_DESTINATION_ACCESS_KEY_ID"] = "AKID",
            ["FERRY_DESTINATION_SECRET_ACCESS_KEY"] = Secret,
            ["FERRY_DESTINATION_SESSION_TOKEN"] = "TOKEN-VALUE",
        };

        var onlyId = Assert.Throws<ArgumentException>(() => _provider.Create(endpoint, new SyncJobSide(false, half.GetValueOrDefault)));
        var withToken = Assert.Throws<ArgumentException>(() => _provider.Create(endpoint, new SyncJobSide(true, token.GetValueOrDefault)));

        Assert.Equal("the source S3 credentials need both an access key id and a secret access key", onlyId.Message);
        Assert.Equal("the destination S3 credentials carry a session token, which Ferry's S3 backend does not support yet", withToken.Message);
    }

    [Theory]
    [InlineData("s3://b/p/", true)]
    [InlineData("s3://b/p", false)]
    [InlineData("s3://b/p/?endpoint=http://h:1", true)]
    [InlineData("minio://h:1/b/p?region=r", false)]
    public void NamesDirectory_PathBeforeTheQuery(string url, bool directory) =>
        Assert.Equal(directory, _provider.NamesDirectory(url));

    [Fact]
    public async Task CreateUrl_ModifiedTimeParameter_SetsTheSource()
    {
        await using var s3 = Assert.IsType<S3Storage>(_provider.Create("s3://b/p/?endpoint=http://h:1&mtime=lastmodified"));
        Assert.Equal(S3ModifiedTimeSource.LastModified, s3.Options.ModifiedTimeSource);
        Assert.Throws<FormatException>(() => _provider.Create("s3://b/p/?endpoint=http://h:1&bogus=1"));
    }
}
