using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3LocationTests
{
    [Fact]
    public void Parse_VirtualHostAws_TakesBucketRegionAndPrefix()
    {
        var l = S3Location.Parse("s3://mybucket.s3.us-east-2.amazonaws.com/movies/");
        Assert.Equal("mybucket", l.Bucket);
        Assert.Equal("movies/", l.Prefix);
        Assert.Equal("us-east-2", l.Region);
        Assert.Null(l.Endpoint);
        Assert.False(l.ForcePathStyle);
        Assert.True(l.IsAws);
        Assert.Null(l.AccessKey);
        Assert.Equal("https://s3.us-east-2.amazonaws.com", l.EndpointDisplay);
    }

    [Theory]
    [InlineData("s3://b.s3.amazonaws.com/p", "us-east-1")]
    [InlineData("s3://b.s3-eu-west-1.amazonaws.com/p", "eu-west-1")]
    [InlineData("s3://b.s3.dualstack.ap-south-1.amazonaws.com/p", "ap-south-1")]
    public void Parse_AwsHostForms_FindRegion(string url, string region) =>
        Assert.Equal(region, S3Location.Parse(url).Region);

    [Fact]
    public void Parse_VirtualHostOtherEndpoint_UsesHttpsEndpointWithoutPathStyle()
    {
        var l = S3Location.Parse("s3://bkt.minio.example.com/a/b");
        Assert.Equal("bkt", l.Bucket);
        Assert.Equal("a/b", l.Prefix);
        Assert.Equal(new Uri("https://minio.example.com"), l.Endpoint);
        Assert.False(l.ForcePathStyle);
        Assert.False(l.IsAws);
    }

    [Fact]
    public void Parse_EndpointQuery_IsPathStyleWithRegionAndDecodedKeys()
    {
        var l = S3Location.Parse("s3://AK%2B1:se%2Fcr%40et@my.bucket/deep/prefix/?endpoint=http://127.0.0.1:7480&region=eu-central-1");
        Assert.Equal("my.bucket", l.Bucket);
        Assert.Equal("deep/prefix/", l.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:7480"), l.Endpoint);
        Assert.Equal("eu-central-1", l.Region);
        Assert.True(l.ForcePathStyle);
        Assert.Equal("AK+1", l.AccessKey);
        Assert.Equal("se/cr@et", l.SecretKey);
        Assert.Equal("s3://***:***@my.bucket/deep/prefix/?endpoint=http://127.0.0.1:7480&region=eu-central-1", l.DisplayName);
        Assert.Equal(l.DisplayName, l.ToString());
    }

    [Fact]
    public void Parse_Minio_TakesHostAsEndpointAndFirstSegmentAsBucket()
    {
        var l = S3Location.Parse("minio://key:secret@localhost:9000/bucket/some/prefix");
        Assert.Equal("bucket", l.Bucket);
        Assert.Equal("some/prefix", l.Prefix);
        Assert.Equal(new Uri("http://localhost:9000"), l.Endpoint);
        Assert.True(l.ForcePathStyle);
        Assert.Equal("us-east-1", l.Region);
        Assert.DoesNotContain("secret", l.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain("key", l.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BareBucket_UsesAwsDefaultEndpoint()
    {
        var l = S3Location.Parse("s3://bucket");
        Assert.Equal("bucket", l.Bucket);
        Assert.Equal("", l.Prefix);
        Assert.Null(l.Endpoint);
        Assert.True(l.IsAws);
    }

    [Theory]
    [InlineData("http://bucket/x")]
    [InlineData("s3://AK:SK@bucket/x?bogus=1")]
    [InlineData("s3://AKonly@bucket/x")]
    [InlineData("minio://host:9000/")]
    [InlineData("s3://b/x?endpoint=ftp://h")]
    public void Parse_Malformed_ThrowsFormatExceptionWithoutSecret(string url)
    {
        FormatException e = Assert.Throws<FormatException>(() => S3Location.Parse(url));
        Assert.DoesNotContain("SK@", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AKonly", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("&mtime=metadata", S3ModifiedTimeSource.Metadata)]
    [InlineData("&mtime=LastModified", S3ModifiedTimeSource.LastModified)]
    public void Parse_MtimeParameter_SelectsModifiedTimeSource(string query, S3ModifiedTimeSource? expected) =>
        Assert.Equal(expected, S3Location.Parse("s3://b/p?endpoint=http://h:1" + query).ModifiedTimeSource);

    [Fact]
    public void MaskSecrets_ReplacesKeysInText()
    {
        var l = S3Location.Parse("s3://ACCESS1:SECRET1@b/p?endpoint=http://h:1");
        Assert.Equal("x *** y ***", l.MaskSecrets("x ACCESS1 y SECRET1"));
    }
}
