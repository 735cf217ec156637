using System.Text;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Tests.Keys;

public class KeyComparerTests
{
    [Theory]
    [InlineData("a", "b")]
    [InlineData("a", "a/")]
    [InlineData("a-b", "a/")] // '-' (0x2D) sorts before '/' (0x2F): S3 order, not directory order
    [InlineData("a/", "a0")]
    [InlineData("Z", "a")]
    [InlineData("\uFFFD", "\U0001F600")] // BMP above the surrogates vs a supplementary character
    [InlineData("", "a")]
    public void Compare_OrdersByUtf8Bytes(string smaller, string larger)
    {
        Assert.True(KeyComparer.Utf8.Compare(smaller, larger) < 0);
        Assert.True(KeyComparer.Utf8.Compare(larger, smaller) > 0);
        Assert.True(ByteCompare(smaller, larger) < 0);
    }

    [Fact]
    public void Compare_AgreesWithByteOrder_OnMixedStrings()
    {
        string[] alphabet = ["a", "/", "-", "é", "\uE000", "\uFFFD", "\U0001F600", "中", "A", " ", "%"];
        var rng = new Random(42);
        var keys = Enumerable.Range(0, 2000)
            .Select(_ => string.Concat(Enumerable.Range(0, rng.Next(0, 5)).Select(_ => alphabet[rng.Next(alphabet.Length)])))
            .ToList();
        var byComparer = keys.OrderBy(k => k, KeyComparer.Utf8).ToList();
        var byBytes = keys.OrderBy(k => k, Comparer<string>.Create(ByteCompare)).ToList();
        Assert.Equal(byBytes, byComparer);
    }

    private static int ByteCompare(string x, string y) =>
        Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
}
