using Ferry.SyncRunner.Filtering;

namespace Ferry.SyncRunner.Tests.Filtering;

/// <summary>
/// A slow, obviously-correct oracle for the filter semantics, written without regular expressions: a
/// backtracking glob over the path string, tried at every segment boundary for unanchored patterns,
/// and the layer loop of the juicefs sync guide (逐层过滤模式) spelled out literally.
/// </summary>
internal static class ReferenceMatcher
{
    public static bool Includes(IReadOnlyList<FilterRule> rules, bool matchFullPath, string key)
    {
        if (matchFullPath)
        {
            foreach (FilterRule rule in rules)
            {
                if (Matches(rule.Pattern, key))
                {
                    return rule.Action == FilterAction.Include;
                }
            }

            return true;
        }

        string[] parts = key.Split('/');
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
            {
                continue;
            }

            string layer = string.Join("/", parts[..(i + 1)]);
            bool isDirectoryLayer = i < parts.Length - 1;
            foreach (FilterRule rule in rules)
            {
                string shown = isDirectoryLayer && IsDirectoryPattern(rule.Pattern) ? layer + "/" : layer;
                if (Matches(rule.Pattern, shown))
                {
                    if (rule.Action == FilterAction.Exclude)
                    {
                        return false;
                    }

                    break;
                }
            }
        }

        return true;
    }

    private static bool IsDirectoryPattern(string pattern) =>
        pattern.EndsWith('/') || pattern == "***" || pattern.EndsWith("/***", StringComparison.Ordinal);

    private static bool Matches(string pattern, string path)
    {
        if (pattern.StartsWith('/'))
        {
            return Glob(pattern, 1, path, 0);
        }

        return MatchesUnanchored(pattern, path);
    }

    private static bool MatchesUnanchored(string pattern, string path)
    {
        // Unanchored: the pattern matches a trailing run of whole segments, starting at the path's start
        // or right after a '/'. A leading "**/" (or "***/") may also match nothing, once: "**/**/x" still
        // needs one '/' before x (as juicefs and rsync).
        if (AtSomeBoundary(pattern, path))
        {
            return true;
        }

        int stars = 0;
        while (stars < pattern.Length && pattern[stars] == '*')
        {
            stars++;
        }

        return stars >= 2 && stars < pattern.Length && pattern[stars] == '/' && AtSomeBoundary(pattern[(stars + 1)..], path);
    }

    private static bool AtSomeBoundary(string pattern, string path)
    {
        for (int start = 0; start <= path.Length; start++)
        {
            if ((start == 0 || path[start - 1] == '/') && Glob(pattern, 0, path, start))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Glob(string p, int i, string s, int j)
    {
        if (i == p.Length)
        {
            return j == s.Length;
        }

        switch (p[i])
        {
            case '*':
                int run = 0;
                while (i + run < p.Length && p[i + run] == '*')
                {
                    run++;
                }

                for (int k = j; k <= s.Length; k++)
                {
                    if (Glob(p, i + run, s, k))
                    {
                        return true;
                    }

                    if (run == 1 && k < s.Length && s[k] == '/')
                    {
                        return false; // a single '*' stops at '/'
                    }
                }

                return false;
            case '?':
                return j < s.Length && s[j] != '/' && Glob(p, i + 1, s, j + 1);
            case '[':
                (int end, Func<char, bool>? members, bool negate) = ParseClass(p, i);
                return j < s.Length && s[j] != '/' && members(s[j]) != negate && Glob(p, end, s, j + 1);
            case '\\':
                return j < s.Length && s[j] == p[i + 1] && Glob(p, i + 2, s, j + 1);
            default:
                return j < s.Length && s[j] == p[i] && Glob(p, i + 1, s, j + 1);
        }
    }

    private static (int End, Func<char, bool> Members, bool Negate) ParseClass(string p, int i)
    {
        int j = i + 1;
        bool negate = j < p.Length && (p[j] == '!' || p[j] == '^');
        if (negate)
        {
            j++;
        }

        var ranges = new List<(char Lo, char Hi)>();
        bool first = true;
        while (p[j] != ']' || first)
        {
            first = false;
            char lo = p[j] == '\\' ? p[++j] : p[j];
            j++;
            char hi = lo;
            if (p[j] == '-' && p[j + 1] != ']')
            {
                j++;
                hi = p[j] == '\\' ? p[++j] : p[j];
                j++;
            }

            ranges.Add((lo, hi));
        }

        return (j + 1, c => ranges.Any(r => r.Lo <= c && c <= r.Hi), negate);
    }
}
