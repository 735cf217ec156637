using System.Globalization;
using System.Text.RegularExpressions;

namespace Ferry.SyncRunner.Cli;

/// <summary>Parses the size, duration and time values of the CLI options.</summary>
internal static partial class ValueParsers
{
    /// <summary>Bytes from <c>1024</c>, <c>4K</c>, <c>10MiB</c>, <c>1.5G</c> (units are powers of 1024, as juicefs).</summary>
    /// <exception cref="FormatException">The value is not a size, or is larger than <see cref="long.MaxValue"/> bytes.</exception>
    public static long ParseSize(string text)
    {
        Match m = SizePattern().Match(text.Trim());
        if (!m.Success)
        {
            throw new FormatException($"'{text}' is not a size (e.g. 4096, 4K, 10M, 1G)");
        }

        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        int power = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "" => 0,
            "K" => 1,
            "M" => 2,
            "G" => 3,
            "T" => 4,
            _ => 5,
        };
        double bytes = n * Math.Pow(1024, power);
        return bytes < long.MaxValue
            ? (long)bytes
            : throw new FormatException($"'{text}' is larger than any size (at most 8 EiB)");
    }

    /// <summary>A duration from <c>90s</c>, <c>30m</c>, <c>1h30m</c>, <c>7d</c> (Go-style units plus days), or plain seconds.</summary>
    /// <exception cref="FormatException">The value is not a duration, or is negative.</exception>
    /// <exception cref="OverflowException">The value is longer than <see cref="TimeSpan.MaxValue"/>.</exception>
    public static TimeSpan ParseDuration(string text)
    {
        string t = text.Trim();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : throw new FormatException($"'{text}' is negative: a duration is 0 or more");
        }

        MatchCollection parts = DurationPart().Matches(t);
        if (parts.Count == 0 || string.Concat(parts.Select(p => p.Value)) != t)
        {
            throw new FormatException($"'{text}' is not a duration (e.g. 90s, 30m, 1h30m, 7d)");
        }

        TimeSpan total = TimeSpan.Zero;
        foreach (Match p in parts)
        {
            double n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
            total += p.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }

        return total;
    }

    /// <summary>A time from <c>2006-01-02 15:04:05</c> (local time, as juicefs) or ISO 8601 with an offset.</summary>
    /// <exception cref="FormatException">The value is not a time.</exception>
    public static DateTimeOffset ParseTime(string text)
    {
        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out DateTimeOffset t))
        {
            return t;
        }

        throw new FormatException($"'{text}' is not a time (e.g. \"2024-01-02 15:04:05\" or 2024-01-02T15:04:05Z)");
    }

    /// <summary>Checks a <c>--max-delete</c> value: a count or a percentage.</summary>
    /// <exception cref="FormatException">The value is neither.</exception>
    public static string ParseMaxDelete(string text)
    {
        string t = text.Trim();
        bool ok = t.EndsWith('%')
            ? double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double pct) && pct >= 0 && pct <= 100
            : long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out _);
        return ok ? t : throw new FormatException($"'{text}' is not a count or a percentage (e.g. 100 or 10%)");
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([KMGTPkmgtp]?)(?:i?[Bb])?$")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")]
    private static partial Regex DurationPart();
}
