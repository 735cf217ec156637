using System.Globalization;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Api.Runs;

/// <summary>The <c>coordination.k8s.io/v1</c> Leases of a SyncJob run as objects: how a new one is made (name,
/// labels, ownerReference), what role one plays, and the order tasks were published in. The annotations are read and
/// written by <see cref="TaskLeaseFields"/> and <see cref="ScanLeaseFields"/>.</summary>
/// <remarks>DESIGN.md, "Distributed work: the lease-coordinated queue": task Leases are "labelled with the SyncJob and
/// the run, owned by the SyncJob". The ownerReference is not a controller reference (the SyncJob controller owns the
/// runner Job; the Leases are the workers'), so garbage collection removes them with the SyncJob.</remarks>
public static class RunLeases
{
    /// <summary>A new Lease of a run, not yet created: its name, namespace, the <see cref="RunLabels"/>, a
    /// non-controller ownerReference to the SyncJob, no annotations and no holder.</summary>
    /// <param name="namespace">The SyncJob's namespace.</param>
    /// <param name="syncJobName">The SyncJob's <c>metadata.name</c>.</param>
    /// <param name="runUid">The run: the SyncJob's <c>metadata.uid</c>.</param>
    /// <param name="role">One of <see cref="LeaseRoles"/>.</param>
    /// <param name="name">The Lease's name, from <see cref="RunNames"/>.</param>
    /// <param name="leaseDurationSeconds">The Lease's <c>spec.leaseDurationSeconds</c> (at least 1).</param>
    /// <returns>The Lease.</returns>
    /// <exception cref="ArgumentException">A name, the uid or the role is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leaseDurationSeconds"/> is below 1.</exception>
    public static V1Lease New(string @namespace, string syncJobName, string runUid, string role, string name, int leaseDurationSeconds)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(syncJobName);
        ArgumentException.ThrowIfNullOrEmpty(runUid);
        ArgumentException.ThrowIfNullOrEmpty(role);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(leaseDurationSeconds, 1);
        return new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = @namespace,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [RunLabels.SyncJob] = syncJobName,
                    [RunLabels.Run] = runUid,
                    [RunLabels.LeaseRole] = role,
                    [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
                },
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal),
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = ApiGroup.ApiVersion,
                        Kind = SyncJob.KindName,
                        Name = syncJobName,
                        Uid = runUid,
                        Controller = false,
                        BlockOwnerDeletion = false,
                    },
                ],
            },
            Spec = new V1LeaseSpec { LeaseDurationSeconds = leaseDurationSeconds },
        };
    }

    /// <summary>The role of a run Lease (its <see cref="RunLabels.LeaseRole"/> label).</summary>
    /// <param name="lease">The Lease.</param>
    /// <returns>One of <see cref="LeaseRoles"/>, or <see langword="null"/> when unlabelled.</returns>
    public static string? Role(V1Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.GetLabel(RunLabels.LeaseRole);
    }

    /// <summary>The task Leases of one role in publication order: by the number <see cref="RunNames.TaskLease"/> put at
    /// the end of the name (names sort ordinally only below 100,000 tasks), then by name.</summary>
    /// <param name="leases">A run's Leases (others and other roles are left out).</param>
    /// <param name="role"><see cref="LeaseRoles.Copy"/> or <see cref="LeaseRoles.Delete"/>.</param>
    /// <returns>The Leases of that role, first published first.</returns>
    public static List<V1Lease> TasksInOrder(IEnumerable<V1Lease> leases, string role)
    {
        ArgumentNullException.ThrowIfNull(leases);
        return leases.Where(l => Role(l) == role)
            .OrderBy(l => TaskIndex(l.Metadata?.Name))
            .ThenBy(l => l.Metadata?.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static int TaskIndex(string? name)
    {
        int dash = name?.LastIndexOf('-') ?? -1;
        return dash >= 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue;
    }
}
