using Ferry.Api;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Events;
using Ferry.Kube.Runtime;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.SyncJobs;

/// <summary>The SyncJob controller: informers on SyncJobs, runner Jobs and run Leases, a work queue of SyncJob keys
/// fed by all three, and <see cref="SyncJobReconciler"/> workers.</summary>
/// <remarks>controller-runtime's <c>For(SyncJob).Owns(Job)</c> plus a watch on Leases mapped to their SyncJob by the
/// <see cref="RunLabels.SyncJob"/> label (or the controller ownerReference). Informers may run on every replica;
/// only the leader runs the reconcile workers (<see cref="RunControllerAsync"/>).</remarks>
internal sealed class SyncJobOperator
{
    private readonly Informer<SyncJob> _syncJobs;
    private readonly Informer<V1Job> _jobs;
    private readonly Informer<V1Lease> _leases;
    private readonly WorkQueue<string> _queue;
    private readonly SyncJobReconciler _reconciler;
    private readonly OperatorOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates the controller; nothing runs until <see cref="RunInformersAsync"/>.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">Operator settings.</param>
    /// <param name="metrics">The metrics to record into.</param>
    /// <param name="timeProvider">The reconciler's clock (informers and queue use the system clock).</param>
    /// <param name="loggerFactory">Loggers.</param>
    public SyncJobOperator(IKubernetesClient client, OperatorOptions options, OperatorMetrics metrics, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _options = options;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<SyncJobOperator>();
        var ns = string.IsNullOrEmpty(options.Namespace) ? null : options.Namespace;
        _syncJobs = new Informer<SyncJob>(client, ApiResources.SyncJobs, ns, null, loggerFactory.CreateLogger<Informer<SyncJob>>());
        _jobs = new Informer<V1Job>(client, KubeResources.Jobs, ns, new InformerOptions { LabelSelector = RunLabels.SyncJob }, loggerFactory.CreateLogger<Informer<V1Job>>());
        _leases = new Informer<V1Lease>(client, KubeResources.Leases, ns, new InformerOptions { LabelSelector = RunLabels.Run }, loggerFactory.CreateLogger<Informer<V1Lease>>());
        _queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMinutes(1) });
        var events = new EventRecorder(client, new EventRecorderOptions { Component = "ferry-operator", Instance = Environment.MachineName, TimeProvider = timeProvider },
            loggerFactory.CreateLogger<EventRecorder>());
        _reconciler = new SyncJobReconciler(client, _syncJobs, _jobs, _leases, options, events, metrics, timeProvider, loggerFactory.CreateLogger<SyncJobReconciler>());

        _syncJobs.Added += s => _queue.Add(ObjectKey.Of(s));
        _syncJobs.Updated += (_, s) => _queue.Add(ObjectKey.Of(s));
        _syncJobs.Deleted += s => _queue.Add(ObjectKey.Of(s));
        _jobs.Added += EnqueueOwner;
        _jobs.Updated += (_, j) => EnqueueOwner(j);
        _jobs.Deleted += EnqueueOwner;
        _leases.Added += EnqueueOwner;
        _leases.Updated += (_, l) => EnqueueOwner(l);
        _leases.Deleted += EnqueueOwner;
        metrics.SyncJobs = _syncJobs.List;
    }

    /// <summary>Whether every informer has listed once.</summary>
    public bool HasSynced => _syncJobs.HasSynced && _jobs.HasSynced && _leases.HasSynced;

    /// <summary>The SyncJob cache.</summary>
    public Informer<SyncJob> SyncJobs => _syncJobs;

    /// <summary>Runs the three informers until cancelled.</summary>
    /// <param name="cancellationToken">Stops them.</param>
    /// <returns>A task that ends when they stopped.</returns>
    public Task RunInformersAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_syncJobs.RunAsync(cancellationToken), _jobs.RunAsync(cancellationToken), _leases.RunAsync(cancellationToken));

    /// <summary>Waits until every informer has listed once.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when synced.</returns>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_syncJobs.WaitForSyncAsync(cancellationToken), _jobs.WaitForSyncAsync(cancellationToken), _leases.WaitForSyncAsync(cancellationToken));

    /// <summary>Runs the reconcile workers (after the caches synced) until cancelled: the leader's work.</summary>
    /// <param name="cancellationToken">Stops the workers (e.g. when leadership is lost).</param>
    /// <returns>A task that ends when every worker stopped.</returns>
    public async Task RunControllerAsync(CancellationToken cancellationToken)
    {
        await WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("SyncJob controller started with {Workers} workers (namespace: {Namespace})", _options.Concurrency, _options.Namespace ?? "all");
        await MeteredController.RunAsync(SyncJobReconciler.ControllerName, _queue, _syncJobs.List().Select(ObjectKey.Of), _reconciler.ReconcileAsync,
            _metrics, _options.Concurrency, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueOwner(IKubernetesObject<V1ObjectMeta> value)
    {
        var name = value.GetLabel(RunLabels.SyncJob) ?? OwnerReferences.ControllerName(value, SyncJob.KindName);
        if (!string.IsNullOrEmpty(name))
        {
            _queue.Add(ObjectKey.Format(value.Metadata.NamespaceProperty, name));
        }
    }
}
