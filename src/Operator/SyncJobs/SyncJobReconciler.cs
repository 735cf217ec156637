using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Conditions;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Events;
using Ferry.Kube.Leases;
using Ferry.Kube.Runtime;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.SyncJobs;

/// <summary>Reconciles one SyncJob: validates its references, keeps its runner Job in line with the spec, sums its
/// Leases into the status and decides success or failure.</summary>
/// <remarks>
/// <para>The controller-runtime contract (STYLE.md): the reconcile gets a key, reads the SyncJob, its Job and its
/// Leases from the informers' caches, is idempotent and level-triggered, and writes status only through the
/// <c>status</c> subresource (with the resourceVersion read, so a stale cache ends in a 409 and a retry), with
/// <c>observedGeneration</c>. Status fields and conditions are computed by <see cref="SyncJobStatusBuilder"/>, the same
/// code that gives <c>ferry run</c> its status.</para>
/// <para>Status writes of a running SyncJob are coalesced to at most one per
/// <see cref="OperatorOptions.StatusWriteInterval"/>; a terminal transition is written at once.</para>
/// <para>On <c>Failed</c> the runner Job is deleted (propagation Background) unless it has finished by itself, so
/// no runner keeps working for a failed run. On <c>Complete</c> the runners exit on their own (the queue is
/// finished), so the Job is left to complete and keeps its pods' logs; it goes with the SyncJob. Suspension sets the
/// Job's own <c>spec.suspend</c> (the Job controller deletes the active pods; the Leases keep the progress). A changed
/// <c>spec.runner</c> re-creates a running Job (its pod template is immutable); the queue resumes with the new pods.
/// No finalizer is used: deleting a SyncJob lets garbage collection remove the Job, its pods and the Leases
/// (all owned by the SyncJob); a worker whose Lease or SyncJob vanished stops, so nothing needs ordering.</para>
/// </remarks>
internal sealed class SyncJobReconciler
{
    /// <summary>The controller name in logs and metrics.</summary>
    public const string ControllerName = "syncjob";

    private readonly IKubernetesClient _client;
    private readonly Informer<SyncJob> _syncJobs;
    private readonly Informer<V1Job> _jobs;
    private readonly Informer<V1Lease> _leases;
    private readonly OperatorOptions _options;
    private readonly EventRecorder _events;
    private readonly OperatorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SpecValidator _validator;
    private readonly StatusWriteLimiter _limiter;
    private readonly RunnerJobSettings _settings;
    private readonly LeaseObserver _leaseObserver;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="syncJobs">The SyncJob cache.</param>
    /// <param name="jobs">The runner Job cache.</param>
    /// <param name="leases">The run Lease cache.</param>
    /// <param name="options">Operator settings.</param>
    /// <param name="events">Writes Events on the SyncJobs.</param>
    /// <param name="metrics">Counts status writes.</param>
    /// <param name="timeProvider">The clock for lease expiry (from when the Lease informer delivered a record), deadlines,
    /// TTLs and the status write interval.</param>
    /// <param name="logger">Logger.</param>
    public SyncJobReconciler(
        IKubernetesClient client,
        Informer<SyncJob> syncJobs,
        Informer<V1Job> jobs,
        Informer<V1Lease> leases,
        OperatorOptions options,
        EventRecorder events,
        OperatorMetrics metrics,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _client = client;
        _syncJobs = syncJobs;
        _jobs = jobs;
        _leases = leases;
        _options = options;
        _events = events;
        _metrics = metrics;
        _time = timeProvider;
        _logger = logger;
        _validator = new SpecValidator(client);
        _limiter = new StatusWriteLimiter(options.StatusWriteInterval, timeProvider);
        _settings = new RunnerJobSettings(options.RunnerImage, options.LeaseDurationSeconds, options.RunnerServiceAccountName);
        // Lease expiry by this process's own observation: a record is seen when the informer delivers it.
        _leaseObserver = new LeaseObserver(timeProvider, TimeSpan.FromSeconds(Math.Max(1, options.LeaseDurationSeconds)));
        leases.Added += l => _leaseObserver.Observe(l);
        leases.Updated += (_, l) => _leaseObserver.Observe(l);
        leases.Deleted += _leaseObserver.Forget;
    }

    /// <summary>Reconciles the SyncJob with key <c>namespace/name</c>.</summary>
    /// <param name="key">The SyncJob's key.</param>
    /// <param name="cancellationToken">Stops the reconcile.</param>
    /// <returns>When to reconcile again.</returns>
    /// <exception cref="Ferry.Kube.Errors.KubernetesException">An API call failed; the controller retries with backoff.</exception>
    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKey.Parse(key);
        var syncJob = _syncJobs.Get(ns, name);
        if (syncJob is null)
        {
            _limiter.Forget(key);
            return ReconcileResult.Done;
        }

        if (syncJob.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var now = _time.GetUtcNow();
        var oldStatus = syncJob.Status;
        var status = Clone(oldStatus);
        var generation = syncJob.Metadata.Generation ?? 0;
        status.ObservedGeneration = generation;
        status.Conditions ??= [];
        var spec = syncJob.Spec;
        var suspended = spec.Suspend == true;
        var workers = spec.Workers ?? SyncOptionLimits.DefaultWorkers;

        var job = _jobs.Get(ns, RunNames.JobName(name));
        if (job is not null && !OwnerReferences.IsControlledBy(job, syncJob))
        {
            _logger.LogWarning("Job {Namespace}/{Job} exists but is not controlled by SyncJob {Name} (uid {Uid}); waiting", ns, job.Metadata.Name, name, syncJob.Metadata.Uid);
            return ReconcileResult.After(_options.SpecRecheckInterval);
        }

        if (SyncJobStatusBuilder.IsFinished(status))
        {
            return await FinishedAsync(key, syncJob, status, job, now, cancellationToken).ConfigureAwait(false);
        }

        SpecValidation? validation = null;
        if (job is null)
        {
            // About to create the runner Job: the SyncJob cache may lag behind the Job cache (e.g. the Job was just
            // deleted after a terminal status write that the cache has not seen yet), so confirm with a fresh read that
            // the run has not ended before starting runners again.
            var fresh = await _client.TryGetAsync(ApiResources.SyncJobs, ns, name, cancellationToken).ConfigureAwait(false);
            if (fresh is null || fresh.Metadata.Uid != syncJob.Metadata.Uid)
            {
                return ReconcileResult.Done;
            }

            if (SyncJobStatusBuilder.IsFinished(fresh.Status))
            {
                return ReconcileResult.After(TimeSpan.FromMilliseconds(500));
            }

            validation = await _validator.ValidateAsync(syncJob, cancellationToken).ConfigureAwait(false);
            if (!validation.Valid)
            {
                SyncJobStatusBuilder.SetSpecInvalid(status, validation.Reason, validation.Message, generation, _time);
                var wait = await WriteStatusAsync(key, syncJob, oldStatus, status, terminal: false, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.After(Min(_options.SpecRecheckInterval, wait));
            }

            SyncJobStatusBuilder.SetSpecValid(status, validation.Reason, validation.Message, generation, _time);
        }

        if (job is null && !(suspended && status.StartTime is null))
        {
            var desired = RunnerJobBuilder.Build(syncJob, _settings, validation!.SecretKeys);
            try
            {
                job = await _client.CreateAsync(KubeResources.Jobs, ns, desired, null, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                // The cache lags behind a Job created by an earlier reconcile; the Job's event brings the key back.
                return ReconcileResult.After(TimeSpan.FromSeconds(1));
            }

            _logger.LogInformation("Created runner Job {Namespace}/{Job} for SyncJob {Name} with {Workers} workers", ns, desired.Metadata.Name, name, workers);
            if (status.StartTime is null)
            {
                await _events.NormalAsync(syncJob, "Started", $"Created runner Job {desired.Metadata.Name} with {workers} worker(s)", cancellationToken).ConfigureAwait(false);
            }
        }
        else if (job is not null)
        {
            if (job.GetAnnotation(RunnerJobBuilder.RunnerSpecHashAnnotation) is { } built
                && built != RunnerJobBuilder.RunnerSpecHash(spec.Runner)
                && !IsJobFinished(job)
                && job.Metadata.DeletionTimestamp is null)
            {
                // A Job's pod template is immutable: re-create the Job so runner pods started from now on use the new
                // spec.runner; the Leases keep the queue, and the new workers take over the old ones' tasks.
                _logger.LogInformation("spec.runner of SyncJob {Key} changed; re-creating runner Job {Job}", key, job.Metadata.Name);
                await DeleteJobAsync(job, cancellationToken).ConfigureAwait(false);
                await _events.NormalAsync(syncJob, "RunnerSpecChanged", $"spec.runner changed: re-creating runner Job {job.Metadata.Name}", cancellationToken).ConfigureAwait(false);
                return ReconcileResult.After(TimeSpan.FromMilliseconds(500));
            }

            await AlignJobAsync(job, workers, suspended, cancellationToken).ConfigureAwait(false);
        }

        if (job is not null)
        {
            SyncJobStatusBuilder.SetStarted(status, job.Metadata.CreationTimestamp ?? now);
        }

        SyncJobStatusBuilder.SetSuspended(status, suspended, generation, _time);

        var uid = syncJob.Metadata.Uid;
        var run = RunAggregator.Aggregate(
            _leases.List().Where(l => l.Metadata.NamespaceProperty == ns && l.GetLabel(RunLabels.Run) == uid),
            _leaseObserver);
        SyncJobStatusBuilder.SetProgress(status, run.Phase, run.Tasks, run.Counters.ToProgress(),
            new WorkerCounts { Desired = suspended ? 0 : workers, Active = job?.Status?.Active ?? 0 });

        var outcomeDeadline = JobCompletedWithoutOutcome(run, job) is { } completedAt ? completedAt + TimeSpan.FromSeconds(2 * _options.LeaseDurationSeconds) : (DateTimeOffset?)null;
        var failure = DecideFailure(syncJob, status, run, job, now, outcomeDeadline);
        if (failure is { } f)
        {
            SyncJobStatusBuilder.SetFailed(status, f.Reason, f.Message, generation, _time);
            await WriteStatusAsync(key, syncJob, oldStatus, status, terminal: true, cancellationToken).ConfigureAwait(false);
            await StopRunnersAsync(job, cancellationToken).ConfigureAwait(false);
            return TtlRequeue(spec, status, now);
        }

        if (run.Outcome == RunOutcomes.Succeeded && run.AllTasksDone)
        {
            SyncJobStatusBuilder.SetSucceeded(status, generation, _time);
            await WriteStatusAsync(key, syncJob, oldStatus, status, terminal: true, cancellationToken).ConfigureAwait(false);
            return TtlRequeue(spec, status, now);
        }

        SyncJobStatusBuilder.SetProgressing(status, run.Deleting, suspended, generation, _time);

        var writeWait = await WriteStatusAsync(key, syncJob, oldStatus, status, terminal: false, cancellationToken).ConfigureAwait(false);
        var next = Min(_options.ResyncInterval, writeWait);
        if (spec.ActiveDeadlineSeconds is { } deadline && status.StartTime is { } start)
        {
            next = Min(next, start + TimeSpan.FromSeconds(deadline) - now);
        }

        if (outcomeDeadline is { } outcomeDue)
        {
            // Look again once the outcome grace has passed (DecideFailure: RunnersExited).
            next = Min(next, outcomeDue - now + TimeSpan.FromMilliseconds(100));
        }

        return ReconcileResult.After(next);
    }

    private async Task<ReconcileResult> FinishedAsync(string key, SyncJob syncJob, SyncJobStatus status, V1Job? job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (status.Conditions!.IsConditionTrue(SyncJobConditionTypes.Failed))
        {
            await StopRunnersAsync(job, cancellationToken).ConfigureAwait(false);
        }

        if (syncJob.Spec.TtlSecondsAfterFinished is { } ttl && status.CompletionTime is { } completed && completed + TimeSpan.FromSeconds(ttl) <= now)
        {
            _logger.LogInformation("Deleting SyncJob {Key}: ttlSecondsAfterFinished ({Ttl} s) has passed since {Completion}", key, ttl, completed);
            await _client.DeleteIfSameAsync(ApiResources.SyncJobs, syncJob, cancellationToken).ConfigureAwait(false);

            _limiter.Forget(key);
            return ReconcileResult.Done;
        }

        var active = job?.Status?.Active ?? 0;
        if (status.Workers?.Active != active)
        {
            status.Workers ??= new WorkerCounts { Desired = 0 };
            status.Workers.Active = active;
            var wait = await WriteStatusAsync(key, syncJob, syncJob.Status, status, terminal: false, cancellationToken).ConfigureAwait(false);
            if (wait > TimeSpan.Zero)
            {
                return ReconcileResult.After(Min(wait, TtlRequeue(syncJob.Spec, status, now).RequeueAfter));
            }
        }

        return TtlRequeue(syncJob.Spec, status, now);
    }

    private ReconcileResult TtlRequeue(SyncJobSpec spec, SyncJobStatus status, DateTimeOffset now)
    {
        if (spec.TtlSecondsAfterFinished is { } ttl && status.CompletionTime is { } completed)
        {
            return ReconcileResult.After(Min(_options.ResyncInterval, completed + TimeSpan.FromSeconds(ttl) - now));
        }

        return ReconcileResult.Done;
    }

    private static (string Reason, string Message)? DecideFailure(SyncJob syncJob, SyncJobStatus status, RunState run, V1Job? job, DateTimeOffset now, DateTimeOffset? outcomeDeadline)
    {
        var spec = syncJob.Spec;
        if (run.Outcome == RunOutcomes.Failed)
        {
            return (SyncJobStatusBuilder.FailureReason(run.OutcomeFailure ?? RunFailureKind.ObjectsFailed), run.OutcomeReason ?? "the runners reported a failed run");
        }

        if (run.FailedTasks.Count > 0)
        {
            var (task, error) = run.FailedTasks[0];
            return (SyncJobConditionReasons.ObjectsFailed, $"task {task} failed on every attempt" + (string.IsNullOrEmpty(error) ? "" : ": " + error));
        }

        if (spec.MaxFailures is { } maxFailures && maxFailures > 0 && status.Progress?.Failed >= maxFailures)
        {
            return (SyncJobConditionReasons.MaxFailuresReached, string.Create(CultureInfo.InvariantCulture, $"{status.Progress.Failed} object(s) failed; maxFailures is {maxFailures}"));
        }

        if (spec.ActiveDeadlineSeconds is { } deadline && status.StartTime is { } start && start + TimeSpan.FromSeconds(deadline) <= now)
        {
            return (SyncJobConditionReasons.DeadlineExceeded, string.Create(CultureInfo.InvariantCulture, $"the run did not finish within activeDeadlineSeconds ({deadline} s) of its start"));
        }

        if (job?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == ConditionStatus.True) is { } jobFailed)
        {
            var reason = jobFailed.Reason == "DeadlineExceeded" ? SyncJobConditionReasons.DeadlineExceeded : SyncJobConditionReasons.BackoffLimitExceeded;
            return (reason, $"runner Job {job.Metadata.Name} failed ({jobFailed.Reason}): {jobFailed.Message}");
        }

        // A work-queue Job is Complete once one pod exited 0; runners do that only after recording the outcome, which
        // normally reaches this cache right after. Past the grace, no runner is left to finish the queue.
        if (outcomeDeadline <= now)
        {
            return (SyncJobConditionReasons.RunnersExited, $"runner Job {job!.Metadata.Name} completed but no runner recorded the run's outcome; the queue was not finished");
        }

        return null;
    }

    /// <summary>When the runner Job became Complete while no runner has recorded the run's outcome; otherwise
    /// <see langword="null"/>.</summary>
    private static DateTimeOffset? JobCompletedWithoutOutcome(RunState run, V1Job? job) =>
        run.Outcome is null && job?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Complete" && c.Status == ConditionStatus.True) is { } complete
            ? complete.LastTransitionTime ?? job.Status.CompletionTime ?? job.Metadata.CreationTimestamp
            : null;

    private async Task AlignJobAsync(V1Job job, int workers, bool suspended, CancellationToken cancellationToken)
    {
        var patch = new JsonObject();
        if (job.Spec?.Parallelism != workers)
        {
            patch["parallelism"] = workers;
        }

        if ((job.Spec?.Suspend == true) != suspended)
        {
            patch["suspend"] = suspended;
        }

        if (patch.Count == 0 || IsJobFinished(job))
        {
            return;
        }

        _logger.LogInformation("Updating runner Job {Namespace}/{Job}: {Patch}", job.Metadata.NamespaceProperty, job.Metadata.Name, patch.ToJsonString());
        await _client.PatchAsync(KubeResources.Jobs, job.Metadata.NamespaceProperty, job.Metadata.Name!, new JsonObject { ["spec"] = patch }, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task StopRunnersAsync(V1Job? job, CancellationToken cancellationToken)
    {
        if (job is null || IsJobFinished(job) || job.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        _logger.LogInformation("Deleting runner Job {Namespace}/{Job}: the run has failed", job.Metadata.NamespaceProperty, job.Metadata.Name);
        await DeleteJobAsync(job, cancellationToken).ConfigureAwait(false);
    }

    private Task DeleteJobAsync(V1Job job, CancellationToken cancellationToken) =>
        _client.DeleteIfSameAsync(KubeResources.Jobs, job, cancellationToken);

    /// <summary>Writes the status if it changed: terminal transitions at once, others at most once per interval.</summary>
    /// <returns>Zero, or how long to wait before a coalesced write may go out.</returns>
    private async Task<TimeSpan> WriteStatusAsync(string key, SyncJob syncJob, SyncJobStatus? oldStatus, SyncJobStatus status, bool terminal, CancellationToken cancellationToken)
    {
        if (Serialize(oldStatus) == Serialize(status))
        {
            return TimeSpan.Zero;
        }

        if (terminal)
        {
            _limiter.Record(key);
        }
        else if (!_limiter.TryAcquire(key, out var wait))
        {
            return wait;
        }

        var body = new SyncJob
        {
            ApiVersion = syncJob.ApiVersion,
            Kind = syncJob.Kind,
            Metadata = syncJob.Metadata,
            Spec = syncJob.Spec,
            Status = status,
        };
        await _client.ReplaceStatusAsync(ApiResources.SyncJobs, syncJob.Metadata.NamespaceProperty, syncJob.Metadata.Name!, body, cancellationToken).ConfigureAwait(false);
        _metrics.StatusWritten(ControllerName);
        await RecordTransitionsAsync(syncJob, oldStatus, status, cancellationToken).ConfigureAwait(false);
        return TimeSpan.Zero;
    }

    private async Task RecordTransitionsAsync(SyncJob syncJob, SyncJobStatus? oldStatus, SyncJobStatus status, CancellationToken cancellationToken)
    {
        var before = oldStatus?.Conditions ?? [];
        var after = status.Conditions ?? [];
        if (after.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False } invalid
            && (before.FindCondition(SyncJobConditionTypes.SpecValid) is not { Status: ConditionStatus.False } old || old.Reason != invalid.Reason || old.Message != invalid.Message))
        {
            await _events.WarningAsync(syncJob, invalid.Reason, invalid.Message, cancellationToken).ConfigureAwait(false);
        }

        if (Flipped(before, after, SyncJobConditionTypes.Suspended) is { } suspended)
        {
            if (suspended.Status == ConditionStatus.True)
            {
                await _events.NormalAsync(syncJob, "Suspended", "spec.suspend is true: runner pods stopped", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _events.NormalAsync(syncJob, SyncJobConditionReasons.Resumed, "spec.suspend is false: runner pods start again", cancellationToken).ConfigureAwait(false);
            }
        }

        if (Flipped(before, after, SyncJobConditionTypes.Complete) is { Status: ConditionStatus.True } complete)
        {
            await _events.NormalAsync(syncJob, "Completed", complete.Message, cancellationToken).ConfigureAwait(false);
        }

        if (Flipped(before, after, SyncJobConditionTypes.Failed) is { Status: ConditionStatus.True } failed)
        {
            await _events.WarningAsync(syncJob, "Failed", $"{failed.Reason}: {failed.Message}", cancellationToken).ConfigureAwait(false);
        }
    }

    private static V1Condition? Flipped(List<V1Condition> before, List<V1Condition> after, string type)
    {
        var now = after.FindCondition(type);
        return now is not null && before.FindCondition(type)?.Status != now.Status ? now : null;
    }

    private static bool IsJobFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == ConditionStatus.True) == true;

    private static SyncJobStatus Clone(SyncJobStatus? status) =>
        status is null
            ? new SyncJobStatus()
            : JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(status, ApiJsonContext.Default.SyncJobStatus), ApiJsonContext.Default.SyncJobStatus)!;

    private static string Serialize(SyncJobStatus? status) =>
        status is null ? "" : JsonSerializer.Serialize(status, ApiJsonContext.Default.SyncJobStatus);

    private static TimeSpan Min(TimeSpan a, TimeSpan b)
    {
        if (a <= TimeSpan.Zero)
        {
            return b <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : b;
        }

        return b <= TimeSpan.Zero ? a : a < b ? a : b;
    }
}
