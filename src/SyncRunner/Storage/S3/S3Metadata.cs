using System.Globalization;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// The user metadata Ferry keeps on objects: the source's modification time as <c>x-amz-meta-mtime</c>, in
/// seconds since the Unix epoch with up to nine decimals (<c>1700000000.123456789</c>).
/// </summary>
/// <remarks>
/// This is rclone's documented choice (rclone S3 backend, "Modification times": <c>X-Amz-Meta-Mtime</c>, floating
/// point seconds since the epoch), so objects written by either tool carry times the other reads back.
/// </remarks>
internal static class S3Metadata
{
    /// <summary>The metadata name without the <c>x-amz-meta-</c> prefix the SDK adds.</summary>
    public const string ModifiedTimeName = "mtime";

    /// <summary>Formats a time as decimal seconds since the epoch, to 100 ns.</summary>
    public static string FormatModifiedTime(DateTimeOffset time)
    {
        decimal seconds = (decimal)(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond;
        string text = seconds.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }

    /// <summary>Parses a time written by <see cref="FormatModifiedTime"/> (or rclone); <see langword="null"/> when absent or malformed.</summary>
    public static DateTimeOffset? ParseModifiedTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)
            || !decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal seconds)
            || seconds < -62_135_596_800m || seconds > 253_402_300_799m)
        {
            return null;
        }

        long ticks = (long)decimal.Round(seconds * TimeSpan.TicksPerSecond, MidpointRounding.ToZero);
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ticks, TimeSpan.Zero);
    }
}
