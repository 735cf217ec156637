using k8s.Models;

namespace Ferry.Api.Runs;

/// <summary>The queue state of one range task as its Lease stores it in annotations: the one reader and writer of
/// those annotations, for the runner's queue and the operator alike.</summary>
/// <remarks>
/// <para>A view: every property reads or writes <see cref="Lease"/>'s <c>metadata.annotations</c> at once (keys in
/// <see cref="RunAnnotations"/>, formats in <see cref="LeaseAnnotations"/>); nothing is cached, so a view over a
/// Lease read later sees the later values. Setting <see langword="null"/> removes an annotation.</para>
/// <para>DESIGN.md, "Distributed work: the lease-coordinated queue": the range, state (<see cref="TaskStates"/>),
/// attempt count and counters ride in annotations; holder, <c>acquireTime</c>, <c>renewTime</c>,
/// <c>leaseDurationSeconds</c> and <c>leaseTransitions</c> are the Lease spec's own fields.</para>
/// </remarks>
/// <param name="lease">The task Lease (role <see cref="LeaseRoles.Copy"/> or <see cref="LeaseRoles.Delete"/>).</param>
/// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
public sealed class TaskLeaseFields(V1Lease lease)
{
    /// <summary>The Lease this view reads and writes.</summary>
    public V1Lease Lease { get; } = lease ?? throw new ArgumentNullException(nameof(lease));

    /// <summary>The inclusive start key of the half-open range (<see cref="RunAnnotations.RangeStart"/>).</summary>
    /// <value>The key; <c>""</c> (the beginning of the key space) when absent.</value>
    public string RangeStart
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.RangeStart) ?? "";
        set => LeaseAnnotations.Set(Lease, RunAnnotations.RangeStart, value ?? "");
    }

    /// <summary>The exclusive end key of the range (<see cref="RunAnnotations.RangeEnd"/>).</summary>
    /// <value>The key, or <see langword="null"/> (absent) when the range is unbounded.</value>
    public string? RangeEnd
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.RangeEnd);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.RangeEnd, value);
    }

    /// <summary>The task's state (<see cref="RunAnnotations.State"/>), one of <see cref="TaskStates"/>.</summary>
    /// <value>The state, or <see langword="null"/> when absent (a Lease not written by Ferry).</value>
    public string? State
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.State);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.State, value);
    }

    /// <summary>How many times the task was claimed (<see cref="RunAnnotations.Attempts"/>, decimal).</summary>
    /// <value>0 when absent or unreadable.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public int Attempts
    {
        get => LeaseAnnotations.GetCount(Lease, RunAnnotations.Attempts) ?? 0;
        set => LeaseAnnotations.SetCount(Lease, RunAnnotations.Attempts, value);
    }

    /// <summary>The last key finished in order as of the last checkpoint (<see cref="RunAnnotations.LastKey"/>).</summary>
    /// <value>The key, or <see langword="null"/> before the first checkpoint.</value>
    public string? LastKey
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.LastKey);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.LastKey, value);
    }

    /// <summary>The task's counters as of <see cref="LastKey"/>, final once done (<see cref="RunAnnotations.Counters"/>,
    /// <see cref="TaskCounters"/> as camelCase JSON). Each read parses the annotation into a new object.</summary>
    /// <value>The counters, or <see langword="null"/> when absent or not readable.</value>
    public TaskCounters? Counters
    {
        get => TaskCounters.Parse(LeaseAnnotations.Get(Lease, RunAnnotations.Counters));
        set => LeaseAnnotations.Set(Lease, RunAnnotations.Counters, value?.ToJson());
    }

    /// <summary>Why the last attempt failed (<see cref="RunAnnotations.LastError"/>; no secrets), cut to
    /// <see cref="LeaseAnnotations.MaxTextLength"/> characters when written.</summary>
    /// <value>The message, or <see langword="null"/> when no attempt failed.</value>
    public string? LastError
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.LastError);
        set => LeaseAnnotations.SetText(Lease, RunAnnotations.LastError, value);
    }
}
