using System.Collections.Concurrent;
using k8s.Models;

namespace Ferry.Kube.Leases;

/// <summary>Judges whether <c>coordination.k8s.io/v1</c> Leases held by others have expired, by the reader's own
/// clock: a Lease is expired once this reader has seen its record unchanged for <c>spec.leaseDurationSeconds</c>.</summary>
/// <remarks>
/// <para>The rule of client-go's <c>leaderelection</c> package and of kubernetes-client/csharp's <c>LeaderElector</c>:
/// the reader notes, on its own monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), when it first saw the
/// Lease's current record, and the Lease expires <c>leaseDurationSeconds</c> later unless the reader sees a new
/// record by then. The record is <c>metadata.resourceVersion</c>, <c>spec.holderIdentity</c> and
/// <c>spec.renewTime</c>: any renewal changes it. The holder's <c>renewTime</c> is never compared with the reader's
/// clock, so clocks that disagree between machines (skew) change nothing; what is left is that a reader which looks
/// rarely notices a renewal late, which only makes it wait longer.</para>
/// <para>A reader that starts (or restarts) sees every Lease for the first time and waits a whole duration before it
/// calls any of them expired, as a new leader-election candidate does.</para>
/// <para>Thread-safe. One entry is kept per Lease (namespace and name) until <see cref="Forget"/>.</para>
/// </remarks>
/// <param name="time">The reader's clock; its timestamps measure the durations.</param>
/// <param name="defaultDuration">The duration of a Lease without <c>spec.leaseDurationSeconds</c> (or with a value
/// below 1); more than zero.</param>
/// <exception cref="ArgumentNullException"><paramref name="time"/> is <see langword="null"/>.</exception>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="defaultDuration"/> is not positive.</exception>
public sealed class LeaseObserver(TimeProvider time, TimeSpan defaultDuration)
{
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly TimeSpan _defaultDuration = defaultDuration > TimeSpan.Zero
        ? defaultDuration
        : throw new ArgumentOutOfRangeException(nameof(defaultDuration), defaultDuration, "the default lease duration must be positive");
    private readonly ConcurrentDictionary<string, Observation> _seen = new(StringComparer.Ordinal);

    /// <summary>The number of Leases observed and not forgotten.</summary>
    public int Count => _seen.Count;

    /// <summary>Records <paramref name="lease"/> as seen now, unless its record is the one seen before (then the
    /// earlier time stays).</summary>
    /// <param name="lease">A Lease as read from the API server (or an informer's cache).</param>
    /// <returns>How long, on the reader's clock, the Lease's current record has been seen unchanged (zero when it is
    /// new or changed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="lease"/> has no <c>metadata.name</c>.</exception>
    public TimeSpan Observe(V1Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        string name = lease.Metadata?.Name is { Length: > 0 } n ? n : throw new ArgumentException("the Lease has no metadata.name", nameof(lease));
        var current = new Observation(lease.Metadata.ResourceVersion, lease.Spec?.HolderIdentity, lease.Spec?.RenewTime, _time.GetTimestamp());
        Observation seen = _seen.AddOrUpdate(
            Key(lease.Metadata.NamespaceProperty, name),
            current,
            (_, old) => old.SameRecord(current) ? old : current);
        return _time.GetElapsedTime(seen.SeenAt, current.SeenAt);
    }

    /// <summary>Whether <paramref name="lease"/> has expired: this reader has seen its record unchanged for its
    /// <c>spec.leaseDurationSeconds</c> (or the default duration). Observes it first (<see cref="Observe"/>).</summary>
    /// <param name="lease">A Lease as read from the API server (or an informer's cache).</param>
    /// <returns><see langword="true"/> when expired. Says nothing about whether the Lease has a holder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="lease"/> has no <c>metadata.name</c>.</exception>
    public bool IsExpired(V1Lease lease) => Observe(lease) >= DurationOf(lease);

    /// <summary>The lease duration this observer applies to <paramref name="lease"/>.</summary>
    /// <param name="lease">The Lease.</param>
    /// <returns><c>spec.leaseDurationSeconds</c> when it is at least 1, else the default duration.</returns>
    public TimeSpan DurationOf(V1Lease lease) =>
        lease?.Spec?.LeaseDurationSeconds is int seconds and > 0 ? TimeSpan.FromSeconds(seconds) : _defaultDuration;

    /// <summary>Drops what was observed of a Lease (it was deleted), so the entry does not outlive it.</summary>
    /// <param name="lease">The Lease (only its namespace and name are read).</param>
    public void Forget(V1Lease lease)
    {
        if (lease?.Metadata?.Name is { Length: > 0 } name)
        {
            _seen.TryRemove(Key(lease.Metadata.NamespaceProperty, name), out _);
        }
    }

    private static string Key(string? ns, string name) => (ns ?? "") + "/" + name;

    private sealed record Observation(string? ResourceVersion, string? Holder, DateTime? RenewTime, long SeenAt)
    {
        public bool SameRecord(Observation other) =>
            ResourceVersion == other.ResourceVersion && Holder == other.Holder && RenewTime == other.RenewTime;
    }
}
