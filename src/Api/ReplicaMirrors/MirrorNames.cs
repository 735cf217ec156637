using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The deterministic names of a <see cref="ReplicaMirror"/>'s child SyncJobs.</summary>
/// <remarks>A child is named from the mirror, the destination and the slot, so an operator that restarts between
/// creating a child and recording it finds the child instead of creating a second one (batch/v1 CronJob names its
/// Jobs <c>CRONJOB-MINUTES</c> for the same reason). Names stay within 63 characters: a child's name becomes a label
/// value on its runner Job and Leases.</remarks>
public static class MirrorNames
{
    private const int MaxName = 63;

    /// <summary>The child SyncJob's name: <c>MIRROR-DESTINATION-UNIXSECONDS</c>; when that exceeds 63 characters,
    /// <c>MIRROR-DESTINATION</c> is cut and given 8 hex digits of its SHA-256 before the time.</summary>
    /// <param name="mirror">The mirror's <c>metadata.name</c>.</param>
    /// <param name="destination">The destination's name.</param>
    /// <param name="slot">The slot; its whole seconds since the Unix epoch name the run.</param>
    /// <returns>A DNS label of at most 63 characters.</returns>
    /// <exception cref="ArgumentException"><paramref name="mirror"/> or <paramref name="destination"/> is empty.</exception>
    public static string ChildName(string mirror, string destination, DateTimeOffset slot)
    {
        ArgumentException.ThrowIfNullOrEmpty(mirror);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        string stem = $"{mirror}-{destination}";
        string time = slot.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (stem.Length + 1 + time.Length <= MaxName)
        {
            return $"{stem}-{time}";
        }

        string hash = Hash(stem, 8);
        int keep = MaxName - time.Length - hash.Length - 2;
        return $"{stem[..keep].TrimEnd('-', '.')}-{hash}-{time}";
    }

    /// <summary>A label value for a name: the name itself when it has at most 63 characters, else its first 52
    /// characters, <c>-</c> and 10 hex digits of its SHA-256.</summary>
    /// <param name="name">An object name (a DNS subdomain).</param>
    /// <returns>A valid label value.</returns>
    public static string LabelValue(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length <= MaxName ? name : name[..52].TrimEnd('-', '.') + "-" + Hash(name, 10);
    }

    private static string Hash(string text, int digits) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..digits];
}
