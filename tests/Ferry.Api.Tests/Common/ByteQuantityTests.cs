using Ferry.Api.Common;

namespace Ferry.Api.Tests.Common;

public sealed class ByteQuantityTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("4096", 4096L)]
    [InlineData("1Ki", 1024L)]
    [InlineData("64Mi", 64L << 20)]
    [InlineData("8Gi", 8L << 30)]
    [InlineData("2Ti", 2L << 40)]
    [InlineData("1Pi", 1L << 50)]
    [InlineData("7Ei", 7L << 60)]
    [InlineData("5k", 5_000L)]
    [InlineData("1M", 1_000_000L)]
    [InlineData("3G", 3_000_000_000L)]
    [InlineData("2T", 2_000_000_000_000L)]
    [InlineData("1P", 1_000_000_000_000_000L)]
    [InlineData("9E", 9_000_000_000_000_000_000L)]
    public void Parse_Quantity_ReturnsBytes(string text, long bytes)
    {
        Assert.Equal(bytes, ByteQuantity.Parse(text));
        Assert.Matches(SchemaPatterns.ByteQuantity, text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Mi")]
    [InlineData("1K")]
    [InlineData("1mi")]
    [InlineData("1.5Gi")]
    [InlineData("-1")]
    [InlineData("10 Mi")]
    public void Parse_NotAQuantity_ThrowsAndPatternRejects(string text)
    {
        Assert.Throws<FormatException>(() => ByteQuantity.Parse(text));
        Assert.DoesNotMatch(SchemaPatterns.ByteQuantity, text);
    }

    [Fact]
    public void Parse_TooLarge_Overflows() =>
        Assert.Throws<OverflowException>(() => ByteQuantity.Parse("8Ei"));

    [Fact]
    public void ToBytes_IntegerOrString()
    {
        Assert.Equal(123L, ByteQuantity.ToBytes(123));
        Assert.Equal(2048L, ByteQuantity.ToBytes("2Ki"));
        Assert.Throws<FormatException>(() => ByteQuantity.ToBytes(-1));
    }
}
