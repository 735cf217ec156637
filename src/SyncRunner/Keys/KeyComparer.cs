namespace Ferry.SyncRunner.Keys;

/// <summary>
/// Orders keys by their UTF-8 bytes, the order S3's ListObjectsV2 returns and the order every Ferry
/// backend lists in.
/// </summary>
/// <remarks>
/// UTF-8 byte order equals Unicode code point order. .NET's ordinal comparison orders UTF-16 code units
/// instead, which differs for characters U+E000..U+FFFF against supplementary characters (surrogate
/// pairs); this comparer corrects that without encoding the strings.
/// </remarks>
public sealed class KeyComparer : IComparer<string>
{
    /// <summary>The single instance.</summary>
    public static KeyComparer Utf8 { get; } = new();

    private KeyComparer()
    {
    }

    /// <summary>Compares two keys by UTF-8 byte order.</summary>
    /// <param name="x">A key, or <see langword="null"/> (sorts first).</param>
    /// <param name="y">A key, or <see langword="null"/> (sorts first).</param>
    /// <returns>Negative when <paramref name="x"/> sorts before <paramref name="y"/>, zero when equal, positive otherwise.</returns>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int n = Math.Min(x.Length, y.Length);
        int i = x.AsSpan(0, n).CommonPrefixLength(y.AsSpan(0, n));
        if (i == n)
        {
            return x.Length.CompareTo(y.Length);
        }

        return Fix(x[i]).CompareTo(Fix(y[i]));
    }

    /// <summary>Maps a UTF-16 code unit so that surrogates sort above every other BMP character.</summary>
    private static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
}
