using k8s.Models;

namespace Ferry.Api.Runs;

/// <summary>The state of a run's scan as its scan Lease stores it in annotations, and the run's outcome: the one
/// reader and writer of those annotations, for the runner's queue and the operator alike.</summary>
/// <remarks>A view like <see cref="TaskLeaseFields"/>: every property reads or writes <see cref="Lease"/>'s
/// annotations at once (keys in <see cref="RunAnnotations"/>, formats in <see cref="LeaseAnnotations"/>); setting
/// <see langword="null"/> removes one. DESIGN.md, "Distributed work": the scan holder checkpoints its cursor here, so a
/// scan that loses its worker resumes where it stopped.</remarks>
/// <param name="lease">The scan Lease (role <see cref="LeaseRoles.Scan"/>).</param>
/// <exception cref="ArgumentNullException"><paramref name="lease"/> is <see langword="null"/>.</exception>
public sealed class ScanLeaseFields(V1Lease lease)
{
    /// <summary>The Lease this view reads and writes.</summary>
    public V1Lease Lease { get; } = lease ?? throw new ArgumentNullException(nameof(lease));

    /// <summary>The scan's state (<see cref="RunAnnotations.ScanState"/>), one of <see cref="ScanStates"/>.</summary>
    /// <value>The state, or <see langword="null"/> when absent.</value>
    public string? ScanState
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.ScanState);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.ScanState, value);
    }

    /// <summary>Whether the scan has published its last copy task (<see cref="ScanState"/> is
    /// <see cref="ScanStates.Done"/>).</summary>
    public bool IsDone => ScanState == ScanStates.Done;

    /// <summary>The start key of the next copy task to publish (<see cref="RunAnnotations.Cursor"/>).</summary>
    /// <value>The key, or <see langword="null"/> before the scan started.</value>
    public string? Cursor
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.Cursor);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.Cursor, value);
    }

    /// <summary>How many copy tasks were published (<see cref="RunAnnotations.TasksPublished"/>, decimal); the next
    /// one is numbered with this value.</summary>
    /// <value>0 when absent or unreadable.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public int TasksPublished
    {
        get => LeaseAnnotations.GetCount(Lease, RunAnnotations.TasksPublished) ?? 0;
        set => LeaseAnnotations.SetCount(Lease, RunAnnotations.TasksPublished, value);
    }

    /// <summary>How many delete tasks were published (<see cref="RunAnnotations.DeleteTasksPublished"/>, decimal).</summary>
    /// <value>The count, or <see langword="null"/> until they are published.</value>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative number.</exception>
    public int? DeleteTasksPublished
    {
        // Present but unreadable still means "published": only absence means "not yet".
        get => LeaseAnnotations.Get(Lease, RunAnnotations.DeleteTasksPublished) is null ? null : LeaseAnnotations.GetCount(Lease, RunAnnotations.DeleteTasksPublished) ?? 0;
        set => LeaseAnnotations.SetCount(Lease, RunAnnotations.DeleteTasksPublished, value);
    }

    /// <summary>The run's outcome (<see cref="RunAnnotations.Outcome"/>), one of <see cref="RunOutcomes"/>.</summary>
    /// <value>The outcome, or <see langword="null"/> while the run goes on.</value>
    public string? Outcome
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.Outcome);
        set => LeaseAnnotations.Set(Lease, RunAnnotations.Outcome, value);
    }

    /// <summary>The human-readable reason of a failed outcome (<see cref="RunAnnotations.OutcomeReason"/>; no
    /// secrets), cut to <see cref="LeaseAnnotations.MaxTextLength"/> characters when written.</summary>
    /// <value>The reason, or <see langword="null"/>.</value>
    public string? OutcomeReason
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.OutcomeReason);
        set => LeaseAnnotations.SetText(Lease, RunAnnotations.OutcomeReason, value);
    }

    /// <summary>Why a failed run failed (<see cref="RunAnnotations.OutcomeCondition"/>, the <see cref="RunFailureKind"/>
    /// by name; a name this version does not know reads as <see cref="RunFailureKind.ObjectsFailed"/>, see
    /// <see cref="RunOutcomes.FailureKind"/>).</summary>
    /// <value>The failure kind, or <see langword="null"/> when the annotation is absent.</value>
    public RunFailureKind? OutcomeFailure
    {
        get => LeaseAnnotations.Get(Lease, RunAnnotations.OutcomeCondition) is { } value ? RunOutcomes.FailureKind(value) : null;
        set => LeaseAnnotations.Set(Lease, RunAnnotations.OutcomeCondition, value?.ToString());
    }
}
