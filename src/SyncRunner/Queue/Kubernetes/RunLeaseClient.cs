using Ferry.Api.Runs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using k8s.Models;
using Polly;
using Polly.Retry;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>The API requests of a <see cref="LeaseWorkQueue"/> on its run's Leases, each retried through Polly on
/// transient failures (no answer, 5xx, 429), and counted.</summary>
/// <remarks>Retries: at most <see cref="MaxTransientRetries"/> after the first attempt, 100 ms doubling each time,
/// on the queue's clock. Optimistic-concurrency conflicts (409) are not transient here: the callers re-read and retry
/// them through <see cref="ConflictRetry"/>, where re-reading is part of the attempt.</remarks>
internal sealed class RunLeaseClient
{
    /// <summary>Retries of one request after a transient failure.</summary>
    public const int MaxTransientRetries = 5;

    /// <summary>Retries of one change after 409 Conflicts (each attempt re-reads the Lease).</summary>
    public const int MaxConflictRetries = 20;

    private readonly IKubernetesClient _client;
    private readonly LeaseWorkQueueOptions _options;
    private readonly ResiliencePipeline _transient;
    private long _requests;

    public RunLeaseClient(IKubernetesClient client, LeaseWorkQueueOptions options)
    {
        _client = client;
        _options = options;
        _transient = new ResiliencePipelineBuilder { TimeProvider = options.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<KubernetesException>(IsTransient),
                MaxRetryAttempts = MaxTransientRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = TimeSpan.FromMilliseconds(100),
            })
            .Build();
        ConflictRetry = new ResiliencePipelineBuilder { TimeProvider = options.Time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<KubernetesApiException>(e => e.IsConflict),
                MaxRetryAttempts = MaxConflictRetries,
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.Zero,
            })
            .Build();
    }

    /// <summary>Retries a change of a Lease on 409 Conflict, at once, up to <see cref="MaxConflictRetries"/> times;
    /// the change re-reads what it needs on each attempt.</summary>
    public ResiliencePipeline ConflictRetry { get; }

    /// <summary>The number of requests sent so far, retries included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public async Task<List<V1Lease>> ListRunAsync(CancellationToken cancellationToken)
    {
        KubeList<V1Lease> list = await SendAsync(
            ct => _client.ListAllAsync(KubeResources.Leases, _options.Namespace, $"{RunLabels.Run}={_options.RunUid}", 500, ct), cancellationToken).ConfigureAwait(false);
        return list.Items;
    }

    public Task<V1Lease> GetAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.GetAsync(KubeResources.Leases, _options.Namespace, name, null, ct), cancellationToken);

    public Task<V1Lease?> TryGetAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.TryGetAsync(KubeResources.Leases, _options.Namespace, name, ct), cancellationToken);

    public Task<V1Lease> CreateAsync(V1Lease lease, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.CreateAsync(KubeResources.Leases, _options.Namespace, lease, null, ct), cancellationToken);

    public Task<V1Lease> ReplaceAsync(V1Lease lease, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.ReplaceAsync(KubeResources.Leases, _options.Namespace, lease.Metadata.Name!, lease, null, ct), cancellationToken);

    private async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
        await _transient.ExecuteAsync(
            static async (state, ct) =>
            {
                Interlocked.Increment(ref state.Self._requests);
                return await state.Request(ct).ConfigureAwait(false);
            },
            (Self: this, Request: request),
            cancellationToken).ConfigureAwait(false);

    private static bool IsTransient(KubernetesException e) => e switch
    {
        KubernetesApiException api => api.IsTransient,
        KubernetesTransportException transport => transport.IsTransient,
        _ => false,
    };
}
