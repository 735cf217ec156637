namespace Ferry.SyncRunner.Filtering;

/// <summary>One token of a filter pattern.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Value">For <see cref="GlobTokenKind.Literal"/> the character (a Unicode scalar value); for stars the number of <c>*</c>.</param>
/// <param name="Ranges">For <see cref="GlobTokenKind.Class"/> the inclusive ranges of scalar values.</param>
/// <param name="Negated">For <see cref="GlobTokenKind.Class"/> whether the set is negated (<c>[^...]</c>, <c>[!...]</c>).</param>
internal sealed record GlobToken(GlobTokenKind Kind, int Value = 0, (int Lo, int Hi)[]? Ranges = null, bool Negated = false)
{
    /// <summary>The separator token.</summary>
    public static GlobToken Slash { get; } = new(GlobTokenKind.Slash, '/');

    /// <summary>Whether the token is <c>*</c> or <c>**</c> (matches a run rather than one character).</summary>
    public bool IsStar => Kind is GlobTokenKind.Star or GlobTokenKind.DoubleStar;

    /// <summary>Whether a one-character token accepts the character.</summary>
    /// <param name="c">A Unicode scalar value.</param>
    /// <returns><see langword="true"/> when accepted.</returns>
    public bool Accepts(int c) => Kind switch
    {
        GlobTokenKind.Literal or GlobTokenKind.Slash => c == Value,
        GlobTokenKind.Question => c != '/',
        GlobTokenKind.Class => c != '/' && InRanges(c) != Negated,
        _ => false,
    };

    private bool InRanges(int c)
    {
        foreach ((int lo, int hi) in Ranges!)
        {
            if (lo <= c && c <= hi)
            {
                return true;
            }
        }

        return false;
    }
}
