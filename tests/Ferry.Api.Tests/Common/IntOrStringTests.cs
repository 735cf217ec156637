using System.Text.Json;
using Ferry.Api.Common;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;

namespace Ferry.Api.Tests.Common;

public sealed class IntOrStringTests
{
    [Theory]
    [InlineData(7L, 1000L, 7L)]
    [InlineData(0L, 1000L, 0L)]
    public void ResolveCount_Integer_ReturnedAsIs(long value, long total, long expected) =>
        Assert.Equal(expected, IntOrString.FromInt(value).ResolveCount(total));

    [Theory]
    [InlineData("10%", 1000L, 100L)]
    [InlineData("10%", 19L, 1L)]
    [InlineData("50%", 3L, 1L)]
    [InlineData("0%", 1000L, 0L)]
    [InlineData("100%", 12345L, 12345L)]
    [InlineData("1%", 99L, 0L)]
    public void ResolveCount_Percentage_RoundsDown(string value, long total, long expected) =>
        Assert.Equal(expected, IntOrString.FromString(value).ResolveCount(total));

    [Theory]
    [InlineData("10")]
    [InlineData("%")]
    [InlineData("ten%")]
    [InlineData("-5%")]
    [InlineData("64Mi")]
    public void ResolveCount_NotAPercentage_Throws(string value) =>
        Assert.Throws<FormatException>(() => IntOrString.FromString(value).ResolveCount(100));

    [Fact]
    public void Json_IntegerAndString_RoundTripAsBareValues()
    {
        var status = new SyncJobSpec
        {
            Source = new() { S3 = new() { Bucket = "a" } },
            Destination = new() { S3 = new() { Bucket = "b" } },
            MaxDelete = 25,
            TaskBytes = "8Gi",
        };

        string json = JsonSerializer.Serialize(status, ApiJsonContext.Default.SyncJobSpec);
        SyncJobSpec back = JsonSerializer.Deserialize(json, ApiJsonContext.Default.SyncJobSpec)!;

        Assert.Contains("\"maxDelete\":25", json, StringComparison.Ordinal);
        Assert.Contains("\"taskBytes\":\"8Gi\"", json, StringComparison.Ordinal);
        Assert.Equal((IntOrString)25, back.MaxDelete);
        Assert.Equal((IntOrString)"8Gi", back.TaskBytes);
    }

    [Fact]
    public void Json_BooleanOrFraction_Throws()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"source":{"s3":{"bucket":"a"}},"destination":{"s3":{"bucket":"b"}},"maxDelete":true}""",
            ApiJsonContext.Default.SyncJobSpec));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"source":{"s3":{"bucket":"a"}},"destination":{"s3":{"bucket":"b"}},"maxDelete":1.5}""",
            ApiJsonContext.Default.SyncJobSpec));
    }

    [Fact]
    public void ToString_GivesTheValue()
    {
        Assert.Equal("42", IntOrString.FromInt(42).ToString());
        Assert.Equal("5%", IntOrString.FromString("5%").ToString());
        Assert.True(IntOrString.FromString("5%").IsPercent);
        Assert.False(IntOrString.FromInt(5).IsPercent);
    }
}
