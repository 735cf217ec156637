using System.Globalization;
using Ferry.Api.Conditions;
using Ferry.Api.Runs;
using k8s.Models;

namespace Ferry.Api.SyncJobs;

/// <summary>Computes a <see cref="SyncJobStatus"/> from the state of its run: whether the spec is valid, whether the
/// SyncJob is suspended, the run's phase, tasks and counters, and how the run ended; sets the <c>SpecValid</c>,
/// <c>Suspended</c>, <c>Progressing</c>, <c>Complete</c> and <c>Failed</c> conditions with their reasons.</summary>
/// <remarks>Used by the operator's reconciler and by <c>ferry run -f</c>, so both report a run the same way (as
/// <see cref="ReplicaMirrors.ReplicaMirrorStatusBuilder"/> does for mirrors). The runners report why a run failed as a
/// <see cref="RunFailureKind"/>; only <see cref="FailureReason"/> turns it into a condition reason. Conditions change
/// <c>lastTransitionTime</c> only when their status flips (<see cref="ConditionListExtensions.SetCondition"/>,
/// apimachinery's <c>meta.SetStatusCondition</c>); every condition carries <c>observedGeneration</c> (Kubernetes API
/// conventions, "Typical status properties"). Times are whole seconds, as <c>metav1.Time</c>.</remarks>
public static class SyncJobStatusBuilder
{
    /// <summary>The <c>Failed</c> condition reason of a run that failed for <paramref name="kind"/>.</summary>
    /// <param name="kind">What the runners reported.</param>
    /// <returns>One of <see cref="SyncJobConditionReasons"/>: <c>ObjectsFailed</c>, <c>MaxFailuresReached</c> or
    /// <c>MaxDeleteExceeded</c>.</returns>
    public static string FailureReason(RunFailureKind kind) => kind switch
    {
        RunFailureKind.MaxFailuresReached => SyncJobConditionReasons.MaxFailuresReached,
        RunFailureKind.MaxDeleteExceeded => SyncJobConditionReasons.MaxDeleteExceeded,
        _ => SyncJobConditionReasons.ObjectsFailed,
    };

    /// <summary>Records that the spec cannot be run: <c>SpecValid</c> False and <c>Progressing</c> False with the
    /// reason, <c>lastError</c> the message, no workers wanted, the phase Pending unless the run had one.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="reason">Why, one of <see cref="SyncJobConditionReasons"/> (e.g. <c>SecretNotFound</c>).</param>
    /// <param name="message">What is wrong, for people; never a credential.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock for flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetSpecInvalid(SyncJobStatus status, string reason, string message, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        Set(status, SyncJobConditionTypes.SpecValid, ConditionStatus.False, reason, message, generation, time);
        Set(status, SyncJobConditionTypes.Progressing, ConditionStatus.False, reason, "waiting for a valid spec", generation, time);
        status.Phase ??= SyncJobPhase.Pending;
        status.LastError = message;
        status.Workers = new WorkerCounts { Desired = 0, Active = 0 };
    }

    /// <summary>Records that the spec passed the checks: <c>SpecValid</c> True; a <c>lastError</c> that was the invalid
    /// spec's message is cleared.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="reason">Normally <see cref="SyncJobConditionReasons.Valid"/>.</param>
    /// <param name="message">What was checked.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock for flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetSpecValid(SyncJobStatus status, string reason, string message, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.Conditions?.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False } wasInvalid
            && status.LastError == wasInvalid.Message)
        {
            status.LastError = null;
        }

        Set(status, SyncJobConditionTypes.SpecValid, ConditionStatus.True, reason, message, generation, time);
    }

    /// <summary>Records when the run started, unless it already has a start.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="startTime">When the run's runners were first created (truncated to whole seconds).</param>
    /// <exception cref="ArgumentNullException"><paramref name="status"/> is null.</exception>
    public static void SetStarted(SyncJobStatus status, DateTimeOffset startTime)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.StartTime ??= Truncate(startTime);
    }

    /// <summary>Sets <c>Suspended</c>: True while <c>spec.suspend</c> is true; False (<c>Resumed</c>) once it is false
    /// again. A SyncJob that was never suspended gets no <c>Suspended</c> condition.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="suspended"><c>spec.suspend</c>.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock for flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetSuspended(SyncJobStatus status, bool suspended, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (suspended)
        {
            Set(status, SyncJobConditionTypes.Suspended, ConditionStatus.True, SyncJobConditionReasons.SuspendedBySpec, "spec.suspend is true: no runner pods run", generation, time);
        }
        else if (status.Conditions?.FindCondition(SyncJobConditionTypes.Suspended) is not null)
        {
            Set(status, SyncJobConditionTypes.Suspended, ConditionStatus.False, SyncJobConditionReasons.Resumed, "spec.suspend is false: the run goes on", generation, time);
        }
    }

    /// <summary>Records where the run is: its phase, its range tasks by state, its counters and its workers.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="phase">Pending (no scan yet), Scanning or Running.</param>
    /// <param name="tasks">The run's range tasks by state.</param>
    /// <param name="progress">The counters of every task, summed.</param>
    /// <param name="workers">Runner pods wanted and running.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetProgress(SyncJobStatus status, SyncJobPhase phase, TaskCounts tasks, SyncProgress progress, WorkerCounts workers)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(workers);
        status.Phase = phase;
        status.Tasks = tasks;
        status.Progress = progress;
        status.Workers = workers;
    }

    /// <summary>Sets <c>Progressing</c> for a run that goes on: False (<c>SuspendedBySpec</c>) while suspended, else True
    /// with the stage of <see cref="SyncJobStatus.Phase"/>: <c>Pending</c>, <c>Scanning</c>, <c>Copying</c> or
    /// <c>Deleting</c>.</summary>
    /// <param name="status">The status with its phase set (<see cref="SetProgress"/>), changed in place.</param>
    /// <param name="deleting">Whether the run is in its delete stage (delete tasks published, scan done).</param>
    /// <param name="suspended"><c>spec.suspend</c>.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock for flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetProgressing(SyncJobStatus status, bool deleting, bool suspended, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (suspended)
        {
            Set(status, SyncJobConditionTypes.Progressing, ConditionStatus.False, SyncJobConditionReasons.SuspendedBySpec, "suspended", generation, time);
            return;
        }

        var (reason, message) = status.Phase switch
        {
            SyncJobPhase.Pending or null => (SyncJobConditionReasons.Pending, "waiting for a runner to start the scan"),
            SyncJobPhase.Scanning => (SyncJobConditionReasons.Scanning, "listing the source and publishing tasks"),
            _ when deleting => (SyncJobConditionReasons.Deleting, "working on delete tasks"),
            _ => (SyncJobConditionReasons.Copying, "working on copy tasks"),
        };
        Set(status, SyncJobConditionTypes.Progressing, ConditionStatus.True, reason, message, generation, time);
    }

    /// <summary>Records a run that succeeded: phase Succeeded, <c>completionTime</c> now, no workers wanted,
    /// <c>Complete</c> True and <c>Progressing</c> False (<c>Succeeded</c>), the message counting what was done.</summary>
    /// <param name="status">The status with its tasks and progress set (<see cref="SetProgress"/>), changed in
    /// place.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock: <c>completionTime</c> and flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetSucceeded(SyncJobStatus status, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        var progress = status.Progress ?? new SyncProgress();
        var message = string.Create(CultureInfo.InvariantCulture,
            $"{status.Tasks?.Done ?? 0} task(s) done: {progress.Copied ?? 0} object(s) copied ({progress.CopiedBytes ?? 0} bytes), {progress.Skipped ?? 0} skipped, {progress.Deleted ?? 0} deleted");
        Finish(status, SyncJobPhase.Succeeded, time);
        Set(status, SyncJobConditionTypes.Complete, ConditionStatus.True, SyncJobConditionReasons.Succeeded, message, generation, time);
        Set(status, SyncJobConditionTypes.Progressing, ConditionStatus.False, SyncJobConditionReasons.Succeeded, "the run has ended", generation, time);
    }

    /// <summary>Records a run that failed: phase Failed, <c>completionTime</c> now, no workers wanted, <c>lastError</c>
    /// the message, <c>Failed</c> True and <c>Progressing</c> False with the reason.</summary>
    /// <param name="status">The status, changed in place.</param>
    /// <param name="reason">Why, one of <see cref="SyncJobConditionReasons"/>: <see cref="FailureReason"/> of what
    /// the runners reported, or the operator's own (<c>DeadlineExceeded</c>, <c>BackoffLimitExceeded</c>,
    /// <c>RunnersExited</c>).</param>
    /// <param name="message">What happened, for people; never a credential.</param>
    /// <param name="generation">The SyncJob's <c>metadata.generation</c>.</param>
    /// <param name="time">The clock: <c>completionTime</c> and flipped conditions.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void SetFailed(SyncJobStatus status, string reason, string message, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(time);
        Finish(status, SyncJobPhase.Failed, time);
        status.LastError = message;
        Set(status, SyncJobConditionTypes.Failed, ConditionStatus.True, reason, message, generation, time);
        Set(status, SyncJobConditionTypes.Progressing, ConditionStatus.False, reason, "the run has ended", generation, time);
    }

    /// <summary>Whether the status records a finished run (<c>Complete</c> or <c>Failed</c> True).</summary>
    /// <param name="status">The status, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> once the run has ended.</returns>
    public static bool IsFinished(SyncJobStatus? status) =>
        status?.Conditions is { } conditions
        && (conditions.IsConditionTrue(SyncJobConditionTypes.Complete) || conditions.IsConditionTrue(SyncJobConditionTypes.Failed));

    private static void Finish(SyncJobStatus status, SyncJobPhase phase, TimeProvider time)
    {
        status.Phase = phase;
        status.CompletionTime = Truncate(time.GetUtcNow());
        status.Workers ??= new WorkerCounts { Active = 0 };
        status.Workers.Desired = 0;
    }

    private static void Set(SyncJobStatus status, string type, string value, string reason, string message, long generation, TimeProvider time) =>
        (status.Conditions ??= []).SetCondition(new V1Condition { Type = type, Status = value, Reason = reason, Message = message, ObservedGeneration = generation }, time);

    private static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
