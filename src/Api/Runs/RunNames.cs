using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ferry.Api.Runs;

/// <summary>The deterministic names of a SyncJob run's children: the runner Job and the Leases.</summary>
/// <remarks>Deterministic names make creation idempotent (controller-runtime convention: a second create gets
/// 409 AlreadyExists instead of a duplicate). A Job name must be a DNS label of at most 63 characters because it
/// becomes the <c>job-name</c> label of its pods; longer SyncJob names are cut and given a hash suffix.</remarks>
public static class RunNames
{
    private const int MaxJobName = 63;

    /// <summary>The runner Job's name: <c>ferry-NAME</c>, or, when that exceeds 63 characters, a prefix of it plus
    /// <c>-</c> and 10 hex digits of the SHA-256 of the SyncJob name.</summary>
    /// <param name="syncJobName">The SyncJob's <c>metadata.name</c>.</param>
    /// <returns>A DNS label of at most 63 characters.</returns>
    /// <exception cref="ArgumentException"><paramref name="syncJobName"/> is empty.</exception>
    public static string JobName(string syncJobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(syncJobName);
        string name = "ferry-" + syncJobName;
        if (name.Length <= MaxJobName)
        {
            return name;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(syncJobName)))[..10];
        return name[..(MaxJobName - 11)].TrimEnd('-', '.') + "-" + hash;
    }

    /// <summary>The scan Lease's name: <c>JOB-scan</c>.</summary>
    /// <param name="syncJobName">The SyncJob's <c>metadata.name</c>.</param>
    /// <returns>The Lease name.</returns>
    public static string ScanLease(string syncJobName) => JobName(syncJobName) + "-scan";

    /// <summary>A task Lease's name: <c>JOB-copy-00017</c> or <c>JOB-delete-00017</c> (5 or more digits, so names sort
    /// in publication order).</summary>
    /// <param name="syncJobName">The SyncJob's <c>metadata.name</c>.</param>
    /// <param name="role"><see cref="LeaseRoles.Copy"/> or <see cref="LeaseRoles.Delete"/>.</param>
    /// <param name="index">The task's number in publication order, from 0.</param>
    /// <returns>The Lease name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static string TaskLease(string syncJobName, string role, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return $"{JobName(syncJobName)}-{role}-{index.ToString("D5", CultureInfo.InvariantCulture)}";
    }
}
