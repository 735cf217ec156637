using System.Text;

namespace Ferry.SyncRunner.Filtering;

/// <summary>
/// A glob compiled into a bit-parallel nondeterministic automaton (shift-and): one bit per position in
/// the token list, advanced one Unicode scalar value at a time with a few shifts and masks. Linear in the
/// path length for every pattern (no backtracking), allocation-free per match.
/// </summary>
/// <remarks>
/// Bit <c>i</c> set means "the first <c>i</c> tokens match the input read so far". A one-character token
/// moves bit <c>i</c> to <c>i + 1</c> when it accepts the character; <c>*</c> keeps bit <c>i</c> on any
/// character except <c>/</c>, <c>**</c> on any character, and both also pass bit <c>i</c> on to
/// <c>i + 1</c> without reading (matching nothing). Two star tokens are never adjacent (a run of stars is
/// one token), so that closure takes one step. In unanchored mode bit 0 is set again after every
/// <c>/</c>: the pattern may start at any segment boundary.
/// </remarks>
internal sealed class GlobAutomaton
{
    private const int Ascii = 128;

    private readonly GlobToken[] tokens;
    private readonly bool restartAfterSlash;
    private readonly int words;
    private readonly ulong[] starMask;        // bit i: token i is * or **
    private readonly ulong[] doubleStarMask;  // bit i: token i is **
    private readonly ulong[] asciiMasks;      // [c * words + w]: bit i + 1 when one-character token i accepts c

    /// <summary>Compiles a token list.</summary>
    /// <param name="tokens">The tokens; <see cref="GlobTokenKind.Slash"/> is a literal <c>/</c> here.</param>
    /// <param name="restartAfterSlash"><see langword="true"/> for an unanchored pattern (may start after any <c>/</c>).</param>
    public GlobAutomaton(IReadOnlyList<GlobToken> tokens, bool restartAfterSlash)
    {
        this.tokens = [.. tokens];
        this.restartAfterSlash = restartAfterSlash;
        words = (this.tokens.Length + 1 + 63) / 64;
        starMask = new ulong[words];
        doubleStarMask = new ulong[words];
        asciiMasks = new ulong[Ascii * words];
        for (int i = 0; i < this.tokens.Length; i++)
        {
            GlobToken token = this.tokens[i];
            if (token.IsStar)
            {
                SetBit(starMask, i);
                if (token.Kind == GlobTokenKind.DoubleStar)
                {
                    SetBit(doubleStarMask, i);
                }

                continue;
            }

            for (int c = 0; c < Ascii; c++)
            {
                if (token.Accepts(c))
                {
                    SetBit(asciiMasks.AsSpan(c * words, words), i + 1);
                }
            }
        }
    }

    /// <summary>Whether the whole path matches.</summary>
    /// <param name="path">The path.</param>
    /// <returns><see langword="true"/> on a match.</returns>
    public bool IsMatch(ReadOnlySpan<char> path) => Run(path, stopAtFirstAccept: false);

    /// <summary>Whether some prefix of the path (possibly empty, possibly all of it) matches.</summary>
    /// <param name="path">The path.</param>
    /// <returns><see langword="true"/> when a prefix matches.</returns>
    public bool MatchesSomePrefix(ReadOnlySpan<char> path) => Run(path, stopAtFirstAccept: true);

    private static void SetBit(Span<ulong> bits, int i) => bits[i >> 6] |= 1UL << (i & 63);

    private bool Run(ReadOnlySpan<char> path, bool stopAtFirstAccept)
    {
        int accept = tokens.Length;
        if (words == 1)
        {
            ulong acceptBit = 1UL << accept;
            ulong star = starMask[0];
            ulong doubleStar = doubleStarMask[0];
            ulong state = Close(1UL, star);
            for (int p = 0; p < path.Length;)
            {
                if (stopAtFirstAccept && (state & acceptBit) != 0)
                {
                    return true;
                }

                int c = path[p];
                if (c < Ascii)
                {
                    p++;
                    state = ((state << 1) & asciiMasks[c]) | (state & (c == '/' ? doubleStar : star));
                }
                else
                {
                    int value = ReadScalar(path, ref p);
                    state = ((state << 1) & OneMask(value)) | (state & star);
                }

                if (restartAfterSlash && c == '/')
                {
                    state |= 1UL;
                }

                state = Close(state, star);
                if (state == 0)
                {
                    // Dead: only a restart after the next '/' can match (unanchored), if there is one.
                    int slash = restartAfterSlash ? path[p..].IndexOf('/') : -1;
                    if (slash < 0)
                    {
                        return false;
                    }

                    p += slash + 1;
                    state = Close(1UL, star);
                }
            }

            return (state & acceptBit) != 0;
        }

        return RunWide(path, stopAtFirstAccept);
    }

    // One Unicode scalar value; a lone surrogate is read as itself (as the pattern parser does).
    private static int ReadScalar(ReadOnlySpan<char> path, ref int p)
    {
        if (Rune.DecodeFromUtf16(path[p..], out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            p += consumed;
            return rune.Value;
        }

        return path[p++];
    }

    private static ulong Close(ulong state, ulong star) => state | ((state & star) << 1);

    private ulong OneMask(int c)
    {
        ulong mask = 0UL;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (!tokens[i].IsStar && tokens[i].Accepts(c))
            {
                mask |= 1UL << (i + 1);
            }
        }

        return mask;
    }

    // The same automaton over several 64-bit words, for patterns of 64 tokens or more.
    private bool RunWide(ReadOnlySpan<char> path, bool stopAtFirstAccept)
    {
        int accept = tokens.Length;
        Span<ulong> state = stackalloc ulong[words];
        Span<ulong> next = stackalloc ulong[words];
        Span<ulong> one = stackalloc ulong[words];
        state.Clear();
        state[0] = 1UL;
        CloseWide(state);
        for (int p = 0; p < path.Length;)
        {
            if (stopAtFirstAccept && Has(state, accept))
            {
                return true;
            }

            int c = path[p];
            scoped ReadOnlySpan<ulong> oneMask;
            if (c < Ascii)
            {
                p++;
                oneMask = asciiMasks.AsSpan(c * words, words);
            }
            else
            {
                int value = ReadScalar(path, ref p);
                one.Clear();
                for (int i = 0; i < tokens.Length; i++)
                {
                    if (!tokens[i].IsStar && tokens[i].Accepts(value))
                    {
                        SetBit(one, i + 1);
                    }
                }

                oneMask = one;
            }

            ulong[] keep = c == '/' ? doubleStarMask : starMask;
            ulong carry = 0UL;
            ulong any = 0UL;
            for (int w = 0; w < words; w++)
            {
                next[w] = (((state[w] << 1) | carry) & oneMask[w]) | (state[w] & keep[w]);
                carry = state[w] >> 63;
            }

            if (restartAfterSlash && c == '/')
            {
                next[0] |= 1UL;
            }

            CloseWide(next);
            for (int w = 0; w < words; w++)
            {
                any |= next[w];
            }

            next.CopyTo(state);
            if (any == 0)
            {
                int slash = restartAfterSlash ? path[p..].IndexOf('/') : -1;
                if (slash < 0)
                {
                    return false;
                }

                p += slash + 1;
                state.Clear();
                state[0] = 1UL;
                CloseWide(state);
            }
        }

        return Has(state, accept);
    }

    private void CloseWide(Span<ulong> state)
    {
        ulong carry = 0UL;
        for (int w = 0; w < words; w++)
        {
            ulong moved = state[w] & starMask[w];
            state[w] |= (moved << 1) | carry;
            carry = moved >> 63;
        }
    }

    private static bool Has(ReadOnlySpan<ulong> state, int bit) => (state[bit >> 6] & (1UL << (bit & 63))) != 0;
}
