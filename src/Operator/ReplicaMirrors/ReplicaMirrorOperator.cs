using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Events;
using k8s;
using k8s.Models;
using Ferry.Kube.Runtime;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.ReplicaMirrors;

/// <summary>The ReplicaMirror controller: an informer on ReplicaMirrors, the SyncJob informer it shares with the
/// SyncJob controller (children are mapped to their mirror by the controller ownerReference), informers on continuous
/// mirrors' watcher pods and Leases (label <c>ferry.io/component=mirror-watcher</c>, mapped by ownerReference), a work
/// queue of mirror keys and <see cref="ReplicaMirrorReconciler"/> workers.</summary>
/// <remarks>controller-runtime's <c>For(ReplicaMirror).Owns(SyncJob)</c>. The queue's delays (a slot's time, a
/// back-off, a status write interval) run on the injected clock. Informers may run on every replica; only the
/// leader runs the reconcile workers.</remarks>
internal sealed class ReplicaMirrorOperator
{
    private readonly Informer<ReplicaMirror> _mirrors;
    private readonly Informer<V1Pod> _watcherPods;
    private readonly Informer<V1Lease> _watcherLeases;
    private readonly WorkQueue<string> _queue;
    private readonly ReplicaMirrorReconciler _reconciler;
    private readonly OperatorOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>Creates the controller; nothing runs until <see cref="RunInformersAsync"/>.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="syncJobs">The SyncJob informer (run by the SyncJob controller).</param>
    /// <param name="options">Operator settings.</param>
    /// <param name="metrics">The metrics to record into; the mirror gauges read this controller's cache.</param>
    /// <param name="time">The clock of the reconciler and of the queue's delays.</param>
    /// <param name="loggerFactory">Loggers.</param>
    public ReplicaMirrorOperator(IKubernetesClient client, Informer<SyncJob> syncJobs, OperatorOptions options, OperatorMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<ReplicaMirrorOperator>();
        string? ns = string.IsNullOrEmpty(options.Namespace) ? null : options.Namespace;
        _mirrors = new Informer<ReplicaMirror>(client, ApiResources.ReplicaMirrors, ns, null, loggerFactory.CreateLogger<Informer<ReplicaMirror>>());
        var watcherSelector = new InformerOptions { LabelSelector = $"{WatcherContract.ComponentLabel}={WatcherContract.ComponentValue}" };
        _watcherPods = new Informer<V1Pod>(client, KubeResources.Pods, ns, watcherSelector, loggerFactory.CreateLogger<Informer<V1Pod>>());
        _watcherLeases = new Informer<V1Lease>(client, KubeResources.Leases, ns, watcherSelector, loggerFactory.CreateLogger<Informer<V1Lease>>());
        _queue = new WorkQueue<string>(new WorkQueueOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMinutes(1), Time = time });
        var events = new EventRecorder(client, new EventRecorderOptions { Component = "ferry-operator", Instance = Environment.MachineName, Time = time },
            loggerFactory.CreateLogger<EventRecorder>());
        _reconciler = new ReplicaMirrorReconciler(client, _mirrors, syncJobs, options, events, metrics, time, loggerFactory.CreateLogger<ReplicaMirrorReconciler>())
        {
            WatcherPods = _watcherPods,
            WatcherLeases = _watcherLeases,
        };

        _mirrors.Added += m => _queue.Add(ObjectKey.Of(m));
        _mirrors.Updated += (_, m) => _queue.Add(ObjectKey.Of(m));
        _mirrors.Deleted += m => _queue.Add(ObjectKey.Of(m));
        syncJobs.Added += EnqueueOwner;
        syncJobs.Updated += (_, s) => EnqueueOwner(s);
        syncJobs.Deleted += EnqueueOwner;
        _watcherPods.Added += EnqueueOwner;
        _watcherPods.Updated += (_, p) => EnqueueOwner(p);
        _watcherPods.Deleted += EnqueueOwner;
        _watcherLeases.Added += EnqueueOwner;
        _watcherLeases.Updated += (_, l) => EnqueueOwner(l);
        _watcherLeases.Deleted += EnqueueOwner;
        metrics.Mirrors = () => _mirrors.List();
    }

    /// <summary>The ReplicaMirror cache.</summary>
    public Informer<ReplicaMirror> Mirrors => _mirrors;

    /// <summary>Whether the ReplicaMirror and watcher informers have listed once.</summary>
    public bool HasSynced => _mirrors.HasSynced && _watcherPods.HasSynced && _watcherLeases.HasSynced;

    /// <summary>Runs the ReplicaMirror informer and those of continuous mirrors' watcher pods and Leases until cancelled.</summary>
    /// <param name="cancellationToken">Stops them.</param>
    /// <returns>A task that ends when they stopped.</returns>
    public Task RunInformersAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_mirrors.RunAsync(cancellationToken), _watcherPods.RunAsync(cancellationToken), _watcherLeases.RunAsync(cancellationToken));

    /// <summary>Waits until the informers have listed once.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when synced.</returns>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_mirrors.WaitForSyncAsync(cancellationToken), _watcherPods.WaitForSyncAsync(cancellationToken), _watcherLeases.WaitForSyncAsync(cancellationToken));

    /// <summary>Runs the reconcile workers until cancelled: the leader's work. The caller waits for the SyncJob
    /// informer's sync first.</summary>
    /// <param name="cancellationToken">Stops the workers.</param>
    /// <returns>A task that ends when every worker stopped.</returns>
    public async Task RunControllerAsync(CancellationToken cancellationToken)
    {
        await WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("ReplicaMirror controller started with {Workers} workers (namespace: {Namespace})", _options.Concurrency, _options.Namespace ?? "all");
        await MeteredController.RunAsync(ReplicaMirrorReconciler.ControllerName, _queue, _mirrors.List().Select(ObjectKey.Of), _reconciler.ReconcileAsync,
            _metrics, _options.Concurrency, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueOwner(IKubernetesObject<V1ObjectMeta> value)
    {
        if (OwnerReferences.ControllerName(value, ReplicaMirror.KindName) is { } owner)
        {
            _queue.Add(ObjectKey.Format(value.Metadata.NamespaceProperty, owner));
        }
    }
}
