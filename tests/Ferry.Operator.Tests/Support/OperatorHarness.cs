using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Kubelet;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Serialization;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using Ferry.Operator.SyncJobs;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ferry.Operator.Tests.Support;

/// <summary>A cluster simulator with Ferry's CRDs and a running SyncJob controller (leader election off); the test
/// plays the workers (Leases) and the Job controller (Job status).</summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    public const string Namespace = "default";

    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _restart = new();
    private Task _informers = Task.CompletedTask;
    private Task _controller = Task.CompletedTask;
    private OperatorMetrics? _metrics;

    private OperatorHarness(ClusterSimulator sim, KubernetesClient client, RequestLog log, TestClock clock, OperatorOptions options)
    {
        Sim = sim;
        Client = client;
        Log = log;
        Clock = clock;
        Options = options;
    }

    public ClusterSimulator Sim { get; }

    /// <summary>The operator's client (its requests are in <see cref="Log"/>).</summary>
    public KubernetesClient Client { get; }

    public RequestLog Log { get; }

    public TestClock Clock { get; }

    public OperatorOptions Options { get; }

    public static async Task<OperatorHarness> StartAsync(Action<OperatorOptions>? configure = null, IKubelet? kubelet = null)
    {
        ClusterSimulator sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Kubelet = kubelet });
        foreach (string crd in RepoFiles.Crds())
        {
            sim.Store.CreateFromYaml(File.ReadAllText(crd));
        }

        var options = new OperatorOptions
        {
            LeaderElection = false,
            StatusWriteInterval = TimeSpan.FromMilliseconds(100),
            SpecRecheckInterval = TimeSpan.FromMilliseconds(300),
            ResyncInterval = TimeSpan.FromMilliseconds(300),
            RunnerImage = "ghcr.io/ferry-io/ferry:test",
        };
        configure?.Invoke(options);
        var log = new RequestLog();
        var client = new KubernetesClient(new KubernetesClientConfiguration { Host = sim.Url.AbsoluteUri, AccessToken = sim.Token }, null, log);
        var harness = new OperatorHarness(sim, client, log, new TestClock(), options);
        harness.Start();
        return harness;
    }

    /// <summary>A second client for the test's own writes (not logged).</summary>
    public KubernetesClient TestClient => _testClient ??= new KubernetesClient(new KubernetesClientConfiguration { Host = Sim.Url.AbsoluteUri, AccessToken = Sim.Token });

    private KubernetesClient? _testClient;

    public string MetricsText() => _exporter?.Text() ?? "";

    private MetricsScrape? _exporter;

    private void Start()
    {
        _metrics = new OperatorMetrics(null, "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
        _exporter = new MetricsScrape(_metrics.Meter.Name);
        var op = new SyncJobOperator(Client, Options, _metrics, Clock, NullLoggerFactory.Instance);
        _informers = op.RunInformersAsync(_restart.Token);
        _controller = op.RunControllerAsync(_restart.Token);
    }

    /// <summary>Stops the controller and starts a new one (fresh caches, queue and limiter) on the same cluster, as a
    /// restarted operator process would.</summary>
    public async Task RestartAsync()
    {
        await _restart.CancelAsync();
        await _controller.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _informers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _restart.Dispose();
        _restart = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _exporter?.Dispose();
        _metrics?.Dispose();
        Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _restart.CancelAsync();
        await _controller.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _informers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _exporter?.Dispose();
        _metrics?.Dispose();
        Client.Dispose();
        _testClient?.Dispose();
        await Sim.DisposeAsync();
        _restart.Dispose();
        _stop.Dispose();
    }

    // ---- objects ----

    public static SyncJob S3ToVolume(string name, string secret = "s3-creds", string claim = "data") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Spec = new SyncJobSpec
        {
            Source = new Endpoint
            {
                S3 = new S3Endpoint
                {
                    Bucket = "source-bucket",
                    Prefix = "in/",
                    Endpoint = "http://127.0.0.1:7480",
                    ForcePathStyle = true,
                    CredentialsSecretRef = new S3CredentialsSecretRef { Name = secret },
                },
            },
            Destination = new Endpoint { Volume = new VolumeEndpoint { ClaimName = claim, Path = "out/dir" } },
            Workers = 3,
        },
    };

    public Task<SyncJob> CreateSyncJobAsync(SyncJob syncJob) => TestClient.CreateAsync(ApiResources.SyncJobs, Namespace, syncJob);

    public Task<SyncJob?> GetSyncJobAsync(string name) => TestClient.TryGetAsync(ApiResources.SyncJobs, Namespace, name);

    public Task<V1Job?> GetJobAsync(string syncJobName) => TestClient.TryGetAsync(KubeResources.Jobs, Namespace, RunNames.JobName(syncJobName));

    public async Task<SyncJob> PatchSpecAsync(string name, JsonObject spec) =>
        await TestClient.PatchAsync(ApiResources.SyncJobs, Namespace, name, new JsonObject { ["spec"] = spec });

    public Task CreateS3SecretAsync(string name = "s3-creds", string accessKey = "AKIAEXAMPLEKEY", string secretKey = "s3cr3t-VALUE-never-shown") =>
        TestClient.CreateAsync(KubeResources.Secrets, Namespace, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            StringData = new Dictionary<string, string> { ["accessKeyId"] = accessKey, ["secretAccessKey"] = secretKey },
        });

    public void CreateClaim(string name = "data") =>
        Sim.Store.CreateFromYaml($"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: {name}
              namespace: {Namespace}
            spec:
              accessModes: [ReadWriteMany]
              resources:
                requests:
                  storage: 1Gi
            """);

    /// <summary>Sets the Job's status as the Job controller would.</summary>
    public void SetJobStatus(string syncJobName, V1JobStatus status) =>
        Sim.Store.SetStatus("batch", "jobs", Namespace, RunNames.JobName(syncJobName), JsonSerializer.SerializeToNode(status, Ferry.Kube.Serialization.KubeJson.TypeInfo<V1JobStatus>()));

    // ---- leases, as the workers write them ----

    public async Task<V1Lease> PutScanLeaseAsync(SyncJob syncJob, string scanState, int tasks, string? outcome = null, string? outcomeCondition = null, string? outcomeReason = null)
    {
        var annotations = new Dictionary<string, string>
        {
            [RunAnnotations.ScanState] = scanState,
            [RunAnnotations.Cursor] = "",
            [RunAnnotations.TasksPublished] = tasks.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (outcome is not null)
        {
            annotations[RunAnnotations.Outcome] = outcome;
        }

        if (outcomeCondition is not null)
        {
            annotations[RunAnnotations.OutcomeCondition] = outcomeCondition;
        }

        if (outcomeReason is not null)
        {
            annotations[RunAnnotations.OutcomeReason] = outcomeReason;
        }

        return await PutLeaseAsync(syncJob, RunNames.ScanLease(syncJob.Metadata.Name!), LeaseRoles.Scan, annotations, Clock.GetUtcNow());
    }

    public Task<V1Lease> PutTaskLeaseAsync(SyncJob syncJob, int index, string state, TaskCounters counters, DateTimeOffset? renewTime = null, string role = LeaseRoles.Copy, string? lastError = null)
    {
        var annotations = new Dictionary<string, string>
        {
            [RunAnnotations.RangeStart] = $"k{index:D3}",
            [RunAnnotations.RangeEnd] = $"k{index + 1:D3}",
            [RunAnnotations.State] = state,
            [RunAnnotations.Attempts] = "1",
            [RunAnnotations.Counters] = JsonSerializer.Serialize(counters, ApiJsonContext.Default.TaskCounters),
        };
        if (lastError is not null)
        {
            annotations[RunAnnotations.LastError] = lastError;
        }

        return PutLeaseAsync(syncJob, RunNames.TaskLease(syncJob.Metadata.Name!, role, index), role, annotations, renewTime ?? Clock.GetUtcNow());
    }

    private async Task<V1Lease> PutLeaseAsync(SyncJob syncJob, string name, string role, Dictionary<string, string> annotations, DateTimeOffset renewTime)
    {
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = Namespace,
                Labels = new Dictionary<string, string>
                {
                    [RunLabels.SyncJob] = syncJob.Metadata.Name!,
                    [RunLabels.Run] = syncJob.Metadata.Uid!,
                    [RunLabels.LeaseRole] = role,
                    [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
                },
                Annotations = annotations,
                OwnerReferences = [Ferry.Kube.Runtime.OwnerReferences.ControllerOf(syncJob)],
            },
            Spec = new V1LeaseSpec { HolderIdentity = "ferry-x-pod1", LeaseDurationSeconds = 15, AcquireTime = renewTime.UtcDateTime, RenewTime = renewTime.UtcDateTime },
        };
        V1Lease? existing = await TestClient.TryGetAsync(KubeResources.Leases, Namespace, name);
        if (existing is null)
        {
            return await TestClient.CreateAsync(KubeResources.Leases, Namespace, lease);
        }

        lease.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return await TestClient.ReplaceAsync(KubeResources.Leases, Namespace, name, lease);
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string syncJobName) =>
        [.. (await TestClient.ListAllAsync(KubeResources.Events, Namespace)).Items.Where(e => e.InvolvedObject?.Name == syncJobName && e.InvolvedObject?.Kind == SyncJob.KindName)];
}
