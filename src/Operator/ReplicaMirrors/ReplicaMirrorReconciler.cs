using Ferry.Api;
using System.Collections.Concurrent;
using System.Text.Json;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Events;
using k8s;
using k8s.Models;
using Ferry.Kube.Runtime;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using Ferry.Operator.SyncJobs;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Reconciles one ReplicaMirror: validates it, records its children's results, starts, skips or replaces
/// runs as its trigger says, prunes the history and writes the status.</summary>
/// <remarks>
/// <para>The controller-runtime contract (STYLE.md), in phases: fetch (mirror and children from the informers'
/// caches), validate (<see cref="MirrorValidator"/>; cached per generation, re-read before any run starts and every
/// <see cref="OperatorOptions.SpecRecheckInterval"/> while invalid), plan (<see cref="MirrorPlanner"/>, no I/O),
/// act (delete replaced children, create new ones), write the status (through <c>/status</c> with the
/// resourceVersion read, so a stale cache ends in a 409 and a retry), record Events, prune.</para>
/// <para>Children have deterministic names, and a create is "expected" until the cache shows it (the expectations of
/// Kubernetes' ReplicaSet controller), so neither a restart nor a lagging cache starts a run twice. Status writes
/// are coalesced to one per <see cref="OperatorOptions.StatusWriteInterval"/> unless a run started or ended, a
/// slot was skipped or missed, or a condition flipped. No finalizer: the children go with the mirror by garbage
/// collection.</para>
/// </remarks>
internal sealed class ReplicaMirrorReconciler
{
    /// <summary>The controller name in logs and metrics.</summary>
    public const string ControllerName = "replicamirror";

    private static readonly TimeSpan ExpectationTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ValidRecheckInterval = TimeSpan.FromMinutes(5);

    private readonly IKubernetesClient _client;
    private readonly Informer<ReplicaMirror> _mirrors;
    private readonly Informer<SyncJob> _syncJobs;
    private readonly OperatorOptions _options;
    private readonly EventRecorder _events;
    private readonly OperatorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MirrorValidator _validator;
    private readonly StatusWriteLimiter _limiter;
    private readonly ConcurrentDictionary<string, CachedValidity> _validity = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Expectation> _expectations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Expectation> _podExpectations = new(StringComparer.Ordinal);
    private readonly RunnerJobSettings _runnerSettings;
    private readonly ConcurrentDictionary<string, CachedValidity> _refused = new(StringComparer.Ordinal);

    /// <summary>Creates the reconciler.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="mirrors">The ReplicaMirror cache.</param>
    /// <param name="syncJobs">The SyncJob cache (children).</param>
    /// <param name="options">Operator settings.</param>
    /// <param name="events">Writes Events on the mirrors.</param>
    /// <param name="metrics">Counts status writes.</param>
    /// <param name="time">The clock for slots, RPO, back-off and the status write interval.</param>
    /// <param name="logger">Logger.</param>
    public ReplicaMirrorReconciler(IKubernetesClient client, Informer<ReplicaMirror> mirrors, Informer<SyncJob> syncJobs, OperatorOptions options,
        EventRecorder events, OperatorMetrics metrics, TimeProvider time, ILogger logger)
    {
        _client = client;
        _mirrors = mirrors;
        _syncJobs = syncJobs;
        _options = options;
        _events = events;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _validator = new MirrorValidator(new SpecValidator(client));
        _limiter = new StatusWriteLimiter(options.StatusWriteInterval, time);
        _runnerSettings = new RunnerJobSettings(options.RunnerImage, options.LeaseDurationSeconds, options.RunnerServiceAccountName);
    }

    /// <summary>The watcher pods of continuous mirrors; <see langword="null"/>: none are watched (no continuous mirror runs).</summary>
    public Informer<V1Pod>? WatcherPods { get; init; }

    /// <summary>The watcher Leases of continuous mirrors; <see langword="null"/>: none are watched.</summary>
    public Informer<V1Lease>? WatcherLeases { get; init; }

    /// <summary>Reconciles the ReplicaMirror with key <c>namespace/name</c>.</summary>
    /// <param name="key">The mirror's key.</param>
    /// <param name="cancellationToken">Stops the reconcile.</param>
    /// <returns>When to reconcile again.</returns>
    /// <exception cref="Kube.Errors.KubernetesException">An API call failed; the controller retries with backoff.</exception>
    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        (string? ns, string? name) = ObjectKey.Parse(key);
        ReplicaMirror? mirror = _mirrors.Get(ns, name);
        if (mirror is null || mirror.Metadata.DeletionTimestamp is not null)
        {
            Forget(key);
            return ReconcileResult.Done;
        }

        List<SyncJob> children = Children(mirror);
        WatcherObservation watcher = Watcher(mirror);
        if ((Pending(key, children) ?? PendingPod(key, watcher)) is { } wait)
        {
            return ReconcileResult.After(wait);
        }

        (MirrorValidity? validity, bool fresh) = await ValidityAsync(key, mirror, force: false, cancellationToken).ConfigureAwait(false);
        MirrorPlan plan = MirrorPlanner.Plan(mirror, children, validity, _time, watcher);
        if ((plan.Starts.Count > 0 || plan.Watcher?.Create is not null) && !fresh)
        {
            // A Secret or claim may have gone since the last check: never start a run that cannot work.
            (validity, _) = await ValidityAsync(key, mirror, force: true, cancellationToken).ConfigureAwait(false);
            plan = MirrorPlanner.Plan(mirror, children, validity, _time, watcher);
        }

        await ReplaceAsync(mirror, plan, cancellationToken).ConfigureAwait(false);
        if (!await StartAsync(key, mirror, plan, cancellationToken).ConfigureAwait(false))
        {
            // The API server refused a child: plan again with that destination marked invalid (the children that were
            // created are planned again and found to exist), so the status says why.
            (validity, _) = await ValidityAsync(key, mirror, force: false, cancellationToken).ConfigureAwait(false);
            plan = MirrorPlanner.Plan(mirror, children, validity, _time, watcher);
            await StartAsync(key, mirror, plan, cancellationToken).ConfigureAwait(false);
        }

        await WatcherAsync(key, mirror, plan, validity, cancellationToken).ConfigureAwait(false);
        TimeSpan writeWait = await WriteStatusAsync(key, mirror, plan, cancellationToken).ConfigureAwait(false);
        await PruneAsync(mirror, plan, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.After(NextReconcile(key, plan, writeWait));
    }

    /// <summary>Drops what is kept about a mirror that is gone.</summary>
    /// <param name="key">The mirror's key.</param>
    public void Forget(string key)
    {
        _limiter.Forget(key);
        _validity.TryRemove(key, out _);
        _expectations.TryRemove(key, out _);
        _podExpectations.TryRemove(key, out _);
        _refused.TryRemove(key, out _);
    }

    private List<SyncJob> Children(ReplicaMirror mirror)
    {
        string ns = mirror.Metadata.NamespaceProperty;
        string uid = mirror.Metadata.Uid;
        return [.. _syncJobs.List().Where(s => s.Metadata.NamespaceProperty == ns
            && s.GetLabel(MirrorLabels.MirrorUid) == uid
            && MirrorChildren.IsControlledBy(s, mirror))];
    }

    /// <summary>The watcher pods the mirror controls and its watcher Lease, from the caches.</summary>
    private WatcherObservation Watcher(ReplicaMirror mirror)
    {
        if (WatcherPods is null || WatcherLeases is null)
        {
            return WatcherObservation.None;
        }

        string ns = mirror.Metadata.NamespaceProperty;
        string uid = mirror.Metadata.Uid;
        List<V1Pod> pods = [.. WatcherPods.List().Where(p => p.Metadata.NamespaceProperty == ns && p.GetLabel(MirrorLabels.MirrorUid) == uid
            && OwnerReferences.IsControlledBy(p, mirror))];
        V1Lease? lease = WatcherLeases.Get(ns, WatcherContract.LeaseName(mirror.Metadata.Name!));
        return new WatcherObservation(pods, lease?.GetLabel(MirrorLabels.MirrorUid) == uid ? lease : null);
    }

    /// <summary>How long to wait for a watcher pod this operator created but the cache does not show yet, or
    /// <see langword="null"/> to go on.</summary>
    private TimeSpan? PendingPod(string key, WatcherObservation watcher)
    {
        if (!_podExpectations.TryGetValue(key, out Expectation? expected))
        {
            return null;
        }

        if (watcher.Pods.Any(p => expected.Names.Contains(p.Metadata.Name!)) || _time.GetUtcNow() - expected.At > ExpectationTimeout)
        {
            _podExpectations.TryRemove(key, out _);
            return null;
        }

        return TimeSpan.FromMilliseconds(250);
    }

    /// <summary>Creates the next watcher pod and deletes ended, outdated and surplus ones, as planned.</summary>
    private async Task WatcherAsync(string key, ReplicaMirror mirror, MirrorPlan plan, MirrorValidity validity, CancellationToken cancellationToken)
    {
        if (plan.Watcher is not { } watcher)
        {
            return;
        }

        if (watcher.Create is { } next)
        {
            V1Pod pod = WatcherPodBuilder.Build(mirror, next.Number, next.Failures, _runnerSettings, WatcherPlanner.Destinations(mirror, validity), validity.SecretKeys);
            try
            {
                await _client.CreateAsync(KubeResources.Pods, pod.Metadata.NamespaceProperty, pod, null, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Created watcher pod {Namespace}/{Name} of ReplicaMirror {Mirror}", pod.Metadata.NamespaceProperty, pod.Metadata.Name, mirror.Metadata.Name);
                V1Pod? ended = watcher.Delete.FirstOrDefault(p => p.Status?.Phase is "Failed" or "Succeeded");
                await _events.RecordAsync(mirror, ended is null ? "Normal" : "Warning", MirrorEventReasons.WatcherStarted, ended is null
                    ? $"started watcher pod {pod.Metadata.Name}"
                    : $"started watcher pod {pod.Metadata.Name}: {ended.Metadata.Name} ended ({Termination(ended)}); {next.Failures} quick end(s) in a row", cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                // Created by an earlier reconcile; the cache brings it.
            }

            _podExpectations[key] = new Expectation([pod.Metadata.Name!], _time.GetUtcNow());
        }

        foreach (V1Pod pod in watcher.Delete)
        {
            _logger.LogInformation("Deleting watcher pod {Namespace}/{Name} of ReplicaMirror {Mirror} ({Phase})", pod.Metadata.NamespaceProperty, pod.Metadata.Name, mirror.Metadata.Name, pod.Status?.Phase);
            try
            {
                await _client.DeleteAsync(KubeResources.Pods, pod.Metadata.NamespaceProperty, pod.Metadata.Name!,
                    new DeleteOptions { PropagationPolicy = PropagationPolicy.Background, PreconditionUid = pod.Metadata.Uid }, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
            {
            }
        }
    }

    private static string Termination(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated is { } t
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{pod.Status.Phase}, exit code {t.ExitCode}{(t.Reason is { } r ? ", " + r : "")}")
            : pod.Status?.Phase ?? "gone";

    /// <summary>How long to wait for children this operator created but the cache does not show yet, or
    /// <see langword="null"/> to go on.</summary>
    private TimeSpan? Pending(string key, List<SyncJob> children)
    {
        if (!_expectations.TryGetValue(key, out Expectation? expected))
        {
            return null;
        }

        var seen = children.Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        if (expected.Names.All(seen.Contains) || _time.GetUtcNow() - expected.At > ExpectationTimeout)
        {
            _expectations.TryRemove(key, out _);
            return null;
        }

        return TimeSpan.FromMilliseconds(250);
    }

    private async Task<(MirrorValidity Validity, bool Fresh)> ValidityAsync(string key, ReplicaMirror mirror, bool force, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        long generation = mirror.Metadata.Generation ?? 0;
        MirrorValidity validity;
        bool fresh = false;
        if (!force && _validity.TryGetValue(key, out CachedValidity? cached) && cached.Uid == mirror.Metadata.Uid && cached.Generation == generation
            && now - cached.CheckedAt < (cached.Validity.IsValid ? ValidRecheckInterval : _options.SpecRecheckInterval))
        {
            validity = cached.Validity;
        }
        else
        {
            validity = await _validator.ValidateAsync(mirror, cancellationToken).ConfigureAwait(false);
            _validity[key] = new CachedValidity(mirror.Metadata.Uid, generation, validity, now);
            fresh = true;
        }

        // Children the API server refused stay refused until the spec changes or the recheck interval passes.
        if (_refused.TryGetValue(key, out CachedValidity? refused)
            && (refused.Uid != mirror.Metadata.Uid || refused.Generation != generation || now - refused.CheckedAt >= _options.SpecRecheckInterval))
        {
            _refused.TryRemove(key, out _);
        }
        else if (refused is not null && validity.Mirror is null)
        {
            var problems = new Dictionary<string, MirrorProblem>(refused.Validity.Destinations, StringComparer.Ordinal);
            foreach ((string? destination, MirrorProblem? problem) in validity.Destinations)
            {
                problems[destination] = problem;
            }

            validity = new MirrorValidity(null, problems);
        }

        return (validity, fresh);
    }

    private async Task ReplaceAsync(ReplicaMirror mirror, MirrorPlan plan, CancellationToken cancellationToken)
    {
        foreach (SyncJob child in plan.Replaced)
        {
            _logger.LogInformation("Deleting SyncJob {Namespace}/{Name} of ReplicaMirror {Mirror}: replaced by a newer slot", child.Metadata.NamespaceProperty, child.Metadata.Name, mirror.Metadata.Name);
            await DeleteAsync(child, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the planned children.</summary>
    /// <returns><see langword="false"/> when the API server refused one as invalid (400 or 422): its destination is then
    /// recorded as invalid until the next recheck, so a child the schema rejects never turns into a retry loop.</returns>
    private async Task<bool> StartAsync(string key, ReplicaMirror mirror, MirrorPlan plan, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var refused = new Dictionary<string, MirrorProblem>(StringComparer.Ordinal);
        try
        {
            foreach (SyncJob child in plan.Starts)
            {
                string destination = child.Metadata.Labels![MirrorLabels.Destination];
                try
                {
                    await _client.CreateAsync(ApiResources.SyncJobs, child.Metadata.NamespaceProperty, child, null, cancellationToken).ConfigureAwait(false);
                }
                catch (KubernetesApiException e) when (e.IsAlreadyExists)
                {
                    // Created by an earlier reconcile whose status write did not land; the cache brings it.
                    created.Add(child.Metadata.Name!);
                    continue;
                }
                catch (KubernetesApiException e) when (e.IsInvalid || e.Code == 400)
                {
                    _logger.LogWarning("The API server refused SyncJob {Namespace}/{Name} for destination {Destination} of ReplicaMirror {Mirror}: {Message}",
                        child.Metadata.NamespaceProperty, child.Metadata.Name, destination, mirror.Metadata.Name, e.Message);
                    refused[destination] = new MirrorProblem(Api.SyncJobs.SyncJobConditionReasons.InvalidSpec, $"the API server refused the child SyncJob: {e.Message}");
                    continue;
                }

                created.Add(child.Metadata.Name!);
                _logger.LogInformation("Created SyncJob {Namespace}/{Name} for destination {Destination} of ReplicaMirror {Mirror}", child.Metadata.NamespaceProperty, child.Metadata.Name, destination, mirror.Metadata.Name);
                await _events.NormalAsync(mirror, MirrorEventReasons.RunStarted,
                    $"destination {destination}: started {child.Metadata.Name} for slot {child.Metadata.Annotations![MirrorLabels.ScheduledTime]} ({child.Metadata.Annotations[MirrorLabels.Trigger]})", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (created.Count > 0)
            {
                _expectations[key] = new Expectation([.. created.Union(_expectations.TryGetValue(key, out Expectation? earlier) ? earlier.Names : [])], _time.GetUtcNow());
            }
        }

        if (refused.Count == 0)
        {
            return true;
        }

        _refused[key] = new CachedValidity(mirror.Metadata.Uid, mirror.Metadata.Generation ?? 0, new MirrorValidity(null, refused), _time.GetUtcNow());
        return false;
    }

    /// <summary>Writes the planned status if it changed: at once when the plan is significant or a condition
    /// flipped, otherwise at most once per interval; then records the plan's Events.</summary>
    /// <returns>Zero, or how long until a coalesced write may go out.</returns>
    private async Task<TimeSpan> WriteStatusAsync(string key, ReplicaMirror mirror, MirrorPlan plan, CancellationToken cancellationToken)
    {
        ReplicaMirrorStatus? oldStatus = mirror.Status;
        ReplicaMirrorStatus status = plan.Status;
        if (Comparable(oldStatus) == Comparable(status))
        {
            return TimeSpan.Zero;
        }

        bool immediate = plan.Significant || plan.Events.Count > 0 || oldStatus?.ObservedGeneration != status.ObservedGeneration || Flipped(oldStatus, status);
        if (immediate)
        {
            _limiter.Record(key);
        }
        else if (!_limiter.TryAcquire(key, out TimeSpan wait))
        {
            return wait;
        }

        var body = new ReplicaMirror { ApiVersion = mirror.ApiVersion, Kind = mirror.Kind, Metadata = mirror.Metadata, Spec = mirror.Spec, Status = status };
        await _client.ReplaceStatusAsync(ApiResources.ReplicaMirrors, mirror.Metadata.NamespaceProperty, mirror.Metadata.Name!, body, cancellationToken).ConfigureAwait(false);
        _metrics.StatusWritten(ControllerName);
        foreach (MirrorEvent e in plan.Events)
        {
            await _events.RecordAsync(mirror, e.Warning ? "Warning" : "Normal", e.Reason, e.Message, cancellationToken).ConfigureAwait(false);
        }

        if (status.Conditions!.FindCondition(ReplicaMirrorConditionTypes.Ready) is { Status: ConditionStatus.False } notReady
            && (oldStatus?.Conditions?.FindCondition(ReplicaMirrorConditionTypes.Ready) is not { Status: ConditionStatus.False } was || was.Message != notReady.Message))
        {
            await _events.WarningAsync(mirror, notReady.Reason, notReady.Message, cancellationToken).ConfigureAwait(false);
        }

        return TimeSpan.Zero;
    }

    private async Task PruneAsync(ReplicaMirror mirror, MirrorPlan plan, CancellationToken cancellationToken)
    {
        foreach (SyncJob child in plan.Pruned)
        {
            _logger.LogInformation("Deleting SyncJob {Namespace}/{Name} of ReplicaMirror {Mirror}: past the history limit or its destination was removed", child.Metadata.NamespaceProperty, child.Metadata.Name, mirror.Metadata.Name);
            await DeleteAsync(child, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task DeleteAsync(SyncJob child, CancellationToken cancellationToken) =>
        _client.DeleteIfSameAsync(ApiResources.SyncJobs, child, cancellationToken);

    private TimeSpan NextReconcile(string key, MirrorPlan plan, TimeSpan writeWait)
    {
        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan next = _options.ResyncInterval;
        if (plan.WakeAt is { } wake)
        {
            next = Min(next, wake - now);
        }

        if (writeWait > TimeSpan.Zero)
        {
            next = Min(next, writeWait);
        }

        if (_validity.TryGetValue(key, out CachedValidity? cached) && !cached.Validity.IsValid)
        {
            next = Min(next, cached.CheckedAt + _options.SpecRecheckInterval - now);
        }

        if (_refused.TryGetValue(key, out CachedValidity? refused))
        {
            next = Min(next, refused.CheckedAt + _options.SpecRecheckInterval - now);
        }

        return next > TimeSpan.Zero ? next : TimeSpan.FromMilliseconds(100);
    }

    private static bool Flipped(ReplicaMirrorStatus? before, ReplicaMirrorStatus after) =>
        after.Conditions!.Any(c => before?.Conditions?.FindCondition(c.Type)?.Status != c.Status);

    /// <summary>The status as JSON without <c>dataAge</c>, which moves with the clock and is refreshed by writes that
    /// happen for other reasons.</summary>
    private static string Comparable(ReplicaMirrorStatus? status)
    {
        if (status is null || JsonSerializer.SerializeToNode(status, ApiJsonContext.Default.ReplicaMirrorStatus) is not System.Text.Json.Nodes.JsonObject json)
        {
            return "";
        }

        json.Remove("dataAge");
        return json.ToJsonString();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record CachedValidity(string? Uid, long Generation, MirrorValidity Validity, DateTimeOffset CheckedAt);

    private sealed record Expectation(IReadOnlyList<string> Names, DateTimeOffset At);
}
