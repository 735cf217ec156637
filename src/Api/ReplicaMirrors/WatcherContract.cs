using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>What the operator puts into the watcher pod of a continuous <see cref="ReplicaMirror"/> and what
/// <c>ferry watch-mirror</c> reads from it: arguments, labels, names, environment variables and mount paths.</summary>
/// <remarks>
/// <para>Container <see cref="Runs.RunnerContract.ContainerName"/> runs the image's <c>ferry</c> with arguments
/// <c>watch-mirror --namespace NS --mirror NAME</c>. The watcher reads the mirror from the API server (in-cluster
/// configuration), watches the source volume mounted read-only at <see cref="Runs.RunnerContract.VolumeMountPath"/>
/// (<c>/data/source</c>, given in <c>FERRY_SOURCE_ROOT</c>) and applies batches to every destination; destination
/// <c>i</c> (its index in <c>spec.destinations</c>) has its credentials and mounts under the prefix
/// <see cref="DestinationSide"/> with the suffixes of <see cref="Runs.RunnerContract"/>, e.g.
/// <c>FERRY_DESTINATION_0_ACCESS_KEY_ID</c> or a volume at <c>/data/destinations/0</c> in
/// <c>FERRY_DESTINATION_0_ROOT</c>.</para>
/// <para>The watcher writes its state into one Lease per mirror (<see cref="LeaseName"/>, <see cref="WatcherState"/>),
/// which the operator reads; it reads back only the mirror (its spec and <c>status.destinations</c>, to hold batches
/// while a full sync runs). The pod is re-created by the operator when its mirror's generation changes
/// (<see cref="MirrorGenerationAnnotation"/>) and when the destinations it should serve do
/// (<see cref="DestinationsAnnotation"/>: a destination whose Secret appeared or vanished).</para>
/// </remarks>
public static class WatcherContract
{
    /// <summary>The first argument: the watcher subcommand.</summary>
    public const string Command = "watch-mirror";

    /// <summary>Label on the watcher's pods and Lease: what the object is.</summary>
    public const string ComponentLabel = "ferry.io/component";

    /// <summary>The value of <see cref="ComponentLabel"/> on a watcher's pods and Lease.</summary>
    public const string ComponentValue = "mirror-watcher";

    /// <summary>Pod annotation: the mirror's <c>metadata.generation</c> the pod was built from.</summary>
    public const string MirrorGenerationAnnotation = "ferry.io/mirror-generation";

    /// <summary>Pod annotation: the names of the destinations the pod was given, in spec order, separated by commas
    /// (destinations that are suspended or whose references are missing are left out).</summary>
    public const string DestinationsAnnotation = "ferry.io/watcher-destinations";

    /// <summary>How long the watcher's Lease lasts without renewal, in seconds; the watcher renews it every
    /// <see cref="HeartbeatSeconds"/> and after every batch.</summary>
    public const int LeaseDurationSeconds = 45;

    /// <summary>How often an idle watcher renews its Lease, in seconds.</summary>
    public const int HeartbeatSeconds = 15;

    private const int MaxName = 63;

    /// <summary>The labels of a mirror's watcher pods and Lease: <see cref="ComponentLabel"/>, the mirror's name and uid
    /// (<see cref="MirrorLabels"/>) and <c>app.kubernetes.io/managed-by</c>.</summary>
    /// <param name="mirror">The mirror.</param>
    /// <returns>A new dictionary.</returns>
    public static Dictionary<string, string> Labels(ReplicaMirror mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        return new(StringComparer.Ordinal)
        {
            [ComponentLabel] = ComponentValue,
            [MirrorLabels.Mirror] = MirrorNames.LabelValue(mirror.Metadata.Name ?? ""),
            [MirrorLabels.MirrorUid] = mirror.Metadata.Uid ?? "",
            [Runs.RunLabels.ManagedBy] = Runs.RunLabels.ManagedByValue,
        };
    }

    /// <summary>The environment variable prefix of destination <paramref name="index"/>: <c>FERRY_DESTINATION_i_</c>.</summary>
    /// <param name="index">The destination's index in <c>spec.destinations</c>.</param>
    /// <returns>The prefix.</returns>
    public static string DestinationSide(int index) => string.Create(CultureInfo.InvariantCulture, $"FERRY_DESTINATION_{index}_");

    /// <summary>The mount path of destination <paramref name="index"/>'s PVC: <c>/data/destinations/i</c>.</summary>
    /// <param name="index">The destination's index.</param>
    /// <returns>The path.</returns>
    public static string DestinationVolumeMountPath(int index) => string.Create(CultureInfo.InvariantCulture, $"/data/destinations/{index}");

    /// <summary>The mount path of destination <paramref name="index"/>'s SFTP Secret: <c>/etc/ferry/destinations/i</c>.</summary>
    /// <param name="index">The destination's index.</param>
    /// <returns>The path.</returns>
    public static string DestinationSftpSecretMountPath(int index) => string.Create(CultureInfo.InvariantCulture, $"/etc/ferry/destinations/{index}");

    /// <summary>The name of the watcher's Lease: <c>MIRROR-watcher</c> (cut and hashed beyond 63 characters).</summary>
    /// <param name="mirror">The mirror's name.</param>
    /// <returns>A DNS label.</returns>
    public static string LeaseName(string mirror) => Name(mirror, "watcher");

    /// <summary>The name of the mirror's <paramref name="number"/>th watcher pod: <c>MIRROR-watcher-N</c>.</summary>
    /// <param name="mirror">The mirror's name.</param>
    /// <param name="number">0 for the first pod, then one more for each re-creation.</param>
    /// <returns>A DNS label.</returns>
    public static string PodName(string mirror, long number) => Name(mirror, string.Create(CultureInfo.InvariantCulture, $"watcher-{number}"));

    /// <summary>The number a watcher pod's name ends with, or <see langword="null"/> when it is not a watcher pod name.</summary>
    /// <param name="podName">A pod name.</param>
    /// <returns>The number.</returns>
    public static long? PodNumber(string podName)
    {
        ArgumentNullException.ThrowIfNull(podName);
        int dash = podName.LastIndexOf('-');
        return dash > 0 && long.TryParse(podName.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
    }

    private static string Name(string mirror, string suffix)
    {
        ArgumentException.ThrowIfNullOrEmpty(mirror);
        if (mirror.Length + 1 + suffix.Length <= MaxName)
        {
            return $"{mirror}-{suffix}";
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mirror)))[..8];
        int keep = MaxName - suffix.Length - hash.Length - 2;
        return $"{mirror[..keep].TrimEnd('-', '.')}-{hash}-{suffix}";
    }
}
