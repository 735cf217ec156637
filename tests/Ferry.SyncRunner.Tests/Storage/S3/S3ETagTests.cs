using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3ETagTests
{
    [Theory]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6\"", true)]
    [InlineData("9E107D9D372BB6826BD81D3542A419D6", true)]
    [InlineData("\"9e107d9d372bb6826bd81d3542a419d6-3\"", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsContentMd5_OnlyForSinglePartEtags(string? etag, bool expected) => Assert.Equal(expected, S3ETag.IsContentMd5(etag));

    [Fact]
    public void ProvesEqualContent_MultipartEtags_NeverProve()
    {
        Assert.True(S3ETag.ProvesEqualContent("\"9e107d9d372bb6826bd81d3542a419d6\"", "9e107d9d372bb6826bd81d3542a419d6"));
        Assert.False(S3ETag.ProvesEqualContent("\"9e107d9d372bb6826bd81d3542a419d6-2\"", "\"9e107d9d372bb6826bd81d3542a419d6-2\""));
        Assert.False(S3ETag.ProvesEqualContent("\"9e107d9d372bb6826bd81d3542a419d6\"", "\"0e107d9d372bb6826bd81d3542a419d6\""));
    }
}
