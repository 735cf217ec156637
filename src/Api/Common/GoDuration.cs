using System.Globalization;
using System.Text;

namespace Ferry.Api.Common;

/// <summary>Parses and formats durations in Go's <c>time.Duration</c> notation (<c>90s</c>, <c>1h30m</c>,
/// <c>1.5ms</c>), the notation of <c>minAge</c>, <c>maxAge</c>, <c>interval</c> and <c>lastSyncDuration</c>.</summary>
/// <remarks>Go standard library, <c>time.ParseDuration</c> and <c>Duration.String</c>; units <c>ns</c>, <c>us</c>
/// (or <c>µs</c>), <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>. <see cref="TimeSpan"/> holds 100 ns ticks, so
/// nanoseconds are truncated to ticks.</remarks>
public static class GoDuration
{
    /// <summary>Parses a non-negative duration such as <c>1h30m</c> or <c>2.5s</c>; <c>0</c> alone is zero.</summary>
    /// <param name="text">The duration text.</param>
    /// <returns>The duration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a non-negative Go duration.</exception>
    /// <exception cref="OverflowException">The duration exceeds <see cref="TimeSpan.MaxValue"/>.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (text.Length == 0)
        {
            throw new FormatException("An empty string is not a duration.");
        }

        decimal ticks = 0;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture, out decimal number))
            {
                throw new FormatException($"'{text}' is not a duration such as 90s or 1h30m.");
            }

            int unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            decimal unitTicks = text[unitStart..i] switch
            {
                "ns" => 0.01m,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                var unit => throw new FormatException($"'{text}' has unknown unit '{unit}'; use ns, us, ms, s, m or h."),
            };
            ticks += number * unitTicks;
        }

        return ticks > TimeSpan.MaxValue.Ticks
            ? throw new OverflowException($"'{text}' is longer than {TimeSpan.MaxValue}.")
            : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Formats a duration like Go's <c>Duration.String</c>: <c>1h0m0s</c>, <c>4m12.5s</c>, <c>250ms</c>,
    /// <c>0s</c>.</summary>
    /// <param name="duration">A non-negative duration.</param>
    /// <returns>The text, which <see cref="Parse"/> reads back to the same value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public static string Format(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        long ticks = duration.Ticks;
        if (ticks == 0)
        {
            return "0s";
        }

        if (ticks < TimeSpan.TicksPerMicrosecond)
        {
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
        }

        if (ticks < TimeSpan.TicksPerMillisecond)
        {
            return Fraction(ticks, TimeSpan.TicksPerMicrosecond) + "µs";
        }

        if (ticks < TimeSpan.TicksPerSecond)
        {
            return Fraction(ticks, TimeSpan.TicksPerMillisecond) + "ms";
        }

        var builder = new StringBuilder();
        long hours = ticks / TimeSpan.TicksPerHour;
        long minutes = ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return builder.Append(Fraction(ticks % TimeSpan.TicksPerMinute, TimeSpan.TicksPerSecond)).Append('s').ToString();
    }

    private static string Fraction(long ticks, long unit) =>
        ((decimal)ticks / unit).ToString("0.#######", CultureInfo.InvariantCulture);
}
