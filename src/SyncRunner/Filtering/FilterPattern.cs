using System.Text;

namespace Ferry.SyncRunner.Filtering;

/// <summary>
/// One include/exclude pattern compiled once into a linear-time matcher (<see cref="GlobAutomaton"/>) over a path (a key, or one layer
/// of a key, relative to the root of the transfer; a directory ends in <c>/</c>).
/// </summary>
/// <remarks>
/// <para>Semantics (juicefs sync guide, 匹配规则; juicefs <c>pkg/sync</c>; rsync(1) "INCLUDE/EXCLUDE PATTERN
/// RULES"): the pattern is split on <c>/</c> into segments. A pattern starting with <c>/</c> is anchored:
/// it must match the path from its start. Any other pattern must match a trailing run of whole path
/// segments, so a pattern without <c>/</c> or <c>**</c> matches the final name at any depth (<c>foo</c>
/// matches <c>foo</c> and <c>x/foo</c>, not <c>foo1</c>, <c>2foo</c> or <c>foo/x</c>), and a pattern
/// with an inner <c>/</c> or a <c>**</c> is matched against the full path. The whole path must be
/// consumed. <c>*</c> is <c>[^/]*</c>, <c>**</c> (and longer runs of stars) is any string including
/// <c>/</c>, <c>?</c> is one character other than <c>/</c>, a class never matches <c>/</c> (rsync). A
/// leading <c>**/</c> of an unanchored pattern may also match nothing (so <c>**/d2</c> matches
/// <c>d2</c>), as in juicefs. A trailing <c>/</c> makes the last segment empty, so it matches
/// only a directory path (one ending in <c>/</c>); <c>dir/***</c> matches <c>dir/</c> and everything
/// below it.</para>
/// <para>Departures from juicefs, each where juicefs disagrees with rsync: <c>[!...]</c> negates (Go's
/// <c>path.Match</c> reads <c>!</c> literally); <c>]</c> right after <c>[</c> is a literal member;
/// a class never matches <c>/</c>; an anchored pattern whose first segment is <c>***</c> is not a
/// match-everything pattern but <c>**</c> followed by the rest.</para>
/// </remarks>
internal sealed class FilterPattern
{
    private readonly GlobAutomaton automaton;
    private readonly GlobAutomaton? prefixAutomaton;
    private readonly Lazy<GlobAutomaton[]> leadingSegmentAutomata;
    private readonly int segmentCount;
    private readonly bool hasDoubleStar;

    private FilterPattern(string text, bool isAnchored, List<List<GlobToken>> segments, bool isDirectoryPattern)
    {
        Text = text;
        IsAnchored = isAnchored;
        IsDirectoryPattern = isDirectoryPattern;
        segmentCount = segments.Count;
        hasDoubleStar = segments.Any(s => s.Any(t => t.Kind == GlobTokenKind.DoubleStar));
        automaton = new GlobAutomaton(Join(segments), restartAfterSlash: !isAnchored);

        MatchesEverything = segments.Count == 1 && segments[0].Count > 0
            && segments[0].All(t => t.IsStar)
            && (!isAnchored || segments[0].Any(t => t.Kind == GlobTokenKind.DoubleStar));

        List<GlobToken> last = segments[^1];
        if (last.Count > 0 && last[^1].Kind == GlobTokenKind.DoubleStar)
        {
            // Pattern = Q** : any path with a prefix matching Q (at an allowed start) matches.
            List<GlobToken> q = Join(segments);
            q.RemoveAt(q.Count - 1);
            prefixAutomaton = new GlobAutomaton(q, restartAfterSlash: !isAnchored);
        }

        // Only full-path pruning (ExcludesSubtree) needs these; built on first use.
        List<List<GlobToken>> leading = isAnchored
            ? segments.TakeWhile(s => s.All(t => t.Kind != GlobTokenKind.DoubleStar)).ToList()
            : [];
        leadingSegmentAutomata = new Lazy<GlobAutomaton[]>(() => leading.Select(s => new GlobAutomaton(s, restartAfterSlash: false)).ToArray());
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>Whether the pattern starts with <c>/</c> (matched from the root of the transfer).</summary>
    public bool IsAnchored { get; }

    /// <summary>
    /// Whether the pattern ends with <c>/</c> or with a <c>***</c> segment: in layer-by-layer mode a
    /// directory layer is shown to such a pattern with its trailing <c>/</c> (juicefs
    /// <c>matchLeveledPath</c>), to every other pattern without it.
    /// </summary>
    public bool IsDirectoryPattern { get; }

    /// <summary>Whether the pattern matches every path (e.g. <c>*</c>, <c>**</c>, <c>/**</c>).</summary>
    public bool MatchesEverything { get; }

    /// <summary>Compiles a pattern.</summary>
    /// <param name="pattern">The pattern text.</param>
    /// <returns>The compiled pattern.</returns>
    /// <exception cref="FilterPatternException">The pattern is empty, has an unclosed <c>[</c>, a reversed range or a trailing <c>\</c>.</exception>
    public static FilterPattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length == 0)
        {
            throw new FilterPatternException(pattern, "the pattern is empty");
        }

        List<GlobToken> tokens = Tokenize(pattern);
        var segments = new List<List<GlobToken>> { new() };
        foreach (GlobToken token in tokens)
        {
            if (token.Kind == GlobTokenKind.Slash)
            {
                segments.Add([]);
            }
            else
            {
                segments[^1].Add(token);
            }
        }

        bool isAnchored = tokens[0].Kind == GlobTokenKind.Slash;
        if (isAnchored)
        {
            segments.RemoveAt(0);
        }

        List<GlobToken> lastSegment = segments[^1];
        bool isDirectoryPattern = lastSegment.Count == 0
            || (lastSegment.Count == 1 && lastSegment[0].Kind == GlobTokenKind.DoubleStar && lastSegment[0].Value == 3);

        // An unanchored pattern must start at a segment boundary; a leading "**/" may match zero or more
        // whole segments, which "(start or after a slash)" already covers, so the segment is dropped.
        if (!isAnchored && segments.Count > 1 && segments[0].Count == 1 && segments[0][0].Kind == GlobTokenKind.DoubleStar)
        {
            segments.RemoveAt(0);
        }

        return new FilterPattern(pattern, isAnchored, segments, isDirectoryPattern);
    }

    /// <summary>Whether the pattern matches the whole path.</summary>
    /// <param name="path">The path relative to the root of the transfer, without a leading <c>/</c>.</param>
    /// <returns><see langword="true"/> on a match.</returns>
    public bool IsMatch(ReadOnlySpan<char> path) => automaton.IsMatch(path);

    /// <summary>
    /// Whether the pattern matches every path strictly below a directory (every <c>dir + x</c> with a
    /// non-empty <c>x</c>). Sound, not complete: <see langword="false"/> means "not proven".
    /// </summary>
    /// <param name="directory">The directory path, ending in <c>/</c> (empty for the root).</param>
    /// <returns><see langword="true"/> only when every path below matches.</returns>
    public bool CoversSubtree(string directory) =>
        MatchesEverything || (prefixAutomaton is not null && prefixAutomaton.MatchesSomePrefix(directory));

    /// <summary>
    /// Whether the pattern matches no path strictly below a directory. Sound, not complete:
    /// <see langword="false"/> means "not proven".
    /// </summary>
    /// <param name="directory">The directory path, ending in <c>/</c> (empty for the root).</param>
    /// <returns><see langword="true"/> only when no path below matches.</returns>
    public bool IsDisjointFromSubtree(string directory)
    {
        if (!IsAnchored)
        {
            return false;
        }

        string[] dirSegments = directory.Length == 0 ? [] : directory[..^1].Split('/');
        int k = dirSegments.Length;
        GlobAutomaton[] leading = leadingSegmentAutomata.Value;
        for (int i = 0; i < Math.Min(segmentCount, k); i++)
        {
            if (i >= leading.Length)
            {
                return false; // a segment with "**" can span any number of path segments
            }

            if (!leading[i].IsMatch(dirSegments[i]))
            {
                return true;
            }
        }

        // Without "**" the pattern matches only paths of exactly segmentCount segments; every path below
        // the directory has more than k.
        return !hasDoubleStar && segmentCount <= k;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static List<GlobToken> Join(List<List<GlobToken>> segments)
    {
        var joined = new List<GlobToken>();
        for (int i = 0; i < segments.Count; i++)
        {
            if (i > 0)
            {
                joined.Add(GlobToken.Slash);
            }

            joined.AddRange(segments[i]);
        }

        return joined;
    }

    private static List<GlobToken> Tokenize(string pattern)
    {
        var tokens = new List<GlobToken>();
        int i = 0;
        while (i < pattern.Length)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        throw new FilterPatternException(pattern, "it ends with an unescaped '\\'");
                    }

                    i++;
                    int escaped = ReadRune(pattern, ref i);
                    tokens.Add(escaped == '/' ? GlobToken.Slash : new GlobToken(GlobTokenKind.Literal, escaped));
                    break;
                case '*':
                    int stars = 0;
                    while (i < pattern.Length && pattern[i] == '*')
                    {
                        stars++;
                        i++;
                    }

                    tokens.Add(new GlobToken(stars == 1 ? GlobTokenKind.Star : GlobTokenKind.DoubleStar, stars));
                    break;
                case '?':
                    tokens.Add(new GlobToken(GlobTokenKind.Question));
                    i++;
                    break;
                case '[':
                    tokens.Add(ParseClass(pattern, ref i));
                    break;
                case '/':
                    tokens.Add(GlobToken.Slash);
                    i++;
                    break;
                default:
                    tokens.Add(new GlobToken(GlobTokenKind.Literal, ReadRune(pattern, ref i)));
                    break;
            }
        }

        return tokens;
    }

    // i points at '['; on return it points past the closing ']'.
    private static GlobToken ParseClass(string pattern, ref int i)
    {
        int open = i;
        int j = i + 1;
        bool negated = false;
        if (j < pattern.Length && pattern[j] is '!' or '^')
        {
            negated = true;
            j++;
        }

        var ranges = new List<(int Lo, int Hi)>();
        bool first = true;
        while (true)
        {
            if (j >= pattern.Length)
            {
                throw new FilterPatternException(pattern, $"unclosed '[' at offset {open}");
            }

            if (pattern[j] == ']' && !first)
            {
                j++;
                break;
            }

            first = false;
            int lo = ReadClassChar(pattern, ref j, open);
            if (j + 1 < pattern.Length && pattern[j] == '-' && pattern[j + 1] != ']')
            {
                j++;
                int hi = ReadClassChar(pattern, ref j, open);
                if (hi < lo)
                {
                    throw new FilterPatternException(pattern, $"reversed range '{char.ConvertFromUtf32(lo)}-{char.ConvertFromUtf32(hi)}' in the class at offset {open}");
                }

                ranges.Add((lo, hi));
            }
            else
            {
                ranges.Add((lo, lo));
            }
        }

        i = j;
        return new GlobToken(GlobTokenKind.Class, Ranges: [.. ranges], Negated: negated);
    }

    private static int ReadClassChar(string pattern, ref int j, int open)
    {
        if (pattern[j] == '\\')
        {
            if (j + 1 >= pattern.Length)
            {
                throw new FilterPatternException(pattern, $"unclosed '[' at offset {open}");
            }

            j++;
        }

        return ReadRune(pattern, ref j);
    }

    // Reads one Unicode scalar value (a surrogate pair counts as one; a lone surrogate as itself).
    private static int ReadRune(string pattern, ref int i)
    {
        if (Rune.DecodeFromUtf16(pattern.AsSpan(i), out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            i += consumed;
            return rune.Value;
        }

        return pattern[i++];
    }
}
