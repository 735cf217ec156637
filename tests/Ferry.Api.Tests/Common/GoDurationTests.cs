using System.Text.RegularExpressions;
using Ferry.Api.Common;

namespace Ferry.Api.Tests.Common;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("90s", 90 * TimeSpan.TicksPerSecond)]
    [InlineData("1h30m", 90 * TimeSpan.TicksPerMinute)]
    [InlineData("1.5h", 90 * TimeSpan.TicksPerMinute)]
    [InlineData("2h45m30.5s", (2 * 3600 + 45 * 60 + 30) * TimeSpan.TicksPerSecond + 5 * TimeSpan.TicksPerSecond / 10)]
    [InlineData("250ms", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("3us", 3 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("3µs", 3 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("700ns", 7L)]
    [InlineData("168h", 7 * TimeSpan.TicksPerDay)]
    public void Parse_ValidDuration_ReturnsTicks(string text, long ticks) =>
        Assert.Equal(TimeSpan.FromTicks(ticks), GoDuration.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("1d")]
    [InlineData("h")]
    [InlineData("-5m")]
    [InlineData("5")]
    [InlineData("1.2.3s")]
    [InlineData("5 m")]
    public void Parse_Invalid_Throws(string text) =>
        Assert.Throws<FormatException>(() => GoDuration.Parse(text));

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(7L, "700ns")]
    [InlineData(15L * TimeSpan.TicksPerMicrosecond, "15µs")]
    [InlineData(1500L * TimeSpan.TicksPerMicrosecond, "1.5ms")]
    [InlineData(TimeSpan.TicksPerSecond, "1s")]
    [InlineData(252 * TimeSpan.TicksPerSecond + TimeSpan.TicksPerSecond / 2, "4m12.5s")]
    [InlineData(TimeSpan.TicksPerHour, "1h0m0s")]
    [InlineData(26 * TimeSpan.TicksPerHour + 3 * TimeSpan.TicksPerSecond, "26h0m3s")]
    public void Format_LikeGo(long ticks, string expected)
    {
        string text = GoDuration.Format(TimeSpan.FromTicks(ticks));

        Assert.Equal(expected, text);
        Assert.Equal(TimeSpan.FromTicks(ticks), GoDuration.Parse(text));
    }

    [Theory]
    [InlineData("90s", true)]
    [InlineData("1h30m", true)]
    [InlineData("0.5s", true)]
    [InlineData("1d", false)]
    [InlineData("5", false)]
    [InlineData("-1s", false)]
    [InlineData("1.s", false)]
    public void SchemaPattern_AcceptsOnlyWhatParseReads(string text, bool patternMatches)
    {
        Assert.Equal(patternMatches, Regex.IsMatch(text, SchemaPatterns.Duration));
        if (patternMatches)
        {
            Assert.True(GoDuration.Parse(text) > TimeSpan.Zero);
        }
    }

    [Fact]
    public void Format_Negative_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GoDuration.Format(TimeSpan.FromSeconds(-1)));
}
