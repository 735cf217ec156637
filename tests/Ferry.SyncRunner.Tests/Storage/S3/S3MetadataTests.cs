using Ferry.SyncRunner.Storage.S3;

namespace Ferry.SyncRunner.Tests.Storage.S3;

public class S3MetadataTests
{
    [Theory]
    [InlineData("2023-11-14T22:13:20Z", "1700000000")]
    [InlineData("2023-11-14T22:13:20.5Z", "1700000000.5")]
    [InlineData("2023-11-14T22:13:20.1234567Z", "1700000000.1234567")]
    [InlineData("1969-12-31T23:59:59.5Z", "-0.5")]
    public void FormatModifiedTime_WritesDecimalSeconds(string time, string expected)
    {
        var t = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, S3Metadata.FormatModifiedTime(t));
        Assert.Equal(t, S3Metadata.ParseModifiedTime(expected));
    }

    [Fact]
    public void ParseModifiedTime_ReadsRcloneNanoseconds() =>
        Assert.Equal(
            new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero).AddTicks(1234567),
            S3Metadata.ParseModifiedTime("1700000000.123456789"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("1e30")]
    public void ParseModifiedTime_Malformed_ReturnsNull(string? text) => Assert.Null(S3Metadata.ParseModifiedTime(text));
}
