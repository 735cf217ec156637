namespace Ferry.SyncRunner.Keys;

/// <summary>
/// A half-open range of keys [<see cref="Start"/>, <see cref="End"/>) in UTF-8 byte order. Range tasks
/// tile the key space exactly: the first starts at <c>""</c>, the last has no end.
/// </summary>
/// <param name="Start">First key in the range, inclusive; <c>""</c> is the beginning of the key space.</param>
/// <param name="End">First key past the range, exclusive; <see langword="null"/> means unbounded.</param>
public sealed record KeyRange(string Start, string? End)
{
    /// <summary>The whole key space.</summary>
    public static KeyRange All { get; } = new("", null);

    /// <summary>Whether <paramref name="key"/> lies in the range.</summary>
    /// <param name="key">A key.</param>
    /// <returns><see langword="true"/> when Start ≤ key &lt; End.</returns>
    public bool Contains(string key) =>
        KeyComparer.Utf8.Compare(key, Start) >= 0 && (End is null || KeyComparer.Utf8.Compare(key, End) < 0);

    /// <inheritdoc/>
    public override string ToString() => $"[{Start}, {End ?? "∞"})";
}
