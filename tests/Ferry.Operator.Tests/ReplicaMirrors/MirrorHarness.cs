using Ferry.Api;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using k8s;
using k8s.Models;
using Ferry.Kube.Runtime;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using Ferry.Operator.ReplicaMirrors;
using Ferry.Operator.SyncJobs;
using Ferry.Operator.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Operator.Tests.ReplicaMirrors;

/// <summary>The cluster simulator with Ferry's CRDs and the ReplicaMirror controller, the simulator and the controller
/// on one <see cref="FakeTimeProvider"/>: the test advances time (slots, back-off, write intervals) instead of
/// sleeping, and plays the SyncJob controller by writing the children's status.</summary>
public sealed class MirrorHarness : IAsyncDisposable
{
    public const string Namespace = "default";

    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource _run = new();
    private Task _tasks = Task.CompletedTask;
    private OperatorMetrics? _metrics;
    private MetricsScrape? _exporter;

    private MirrorHarness(ClusterSimulator sim, FakeTimeProvider time, RequestLog log, KubernetesClient client, OperatorOptions options)
    {
        Sim = sim;
        Time = time;
        Log = log;
        Client = client;
        Options = options;
        TestClient = new KubernetesClient(new KubernetesClientConfiguration { Host = sim.Url.AbsoluteUri, AccessToken = sim.Token });
    }

    public ClusterSimulator Sim { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The controller's requests.</summary>
    public RequestLog Log { get; }

    public KubernetesClient Client { get; }

    public KubernetesClient TestClient { get; }

    public OperatorOptions Options { get; }

    public static async Task<MirrorHarness> StartAsync()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 9, 59, 50, TimeSpan.Zero));
        var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { TimeProvider = time });
        foreach (var crd in RepoFiles.Crds())
        {
            sim.Store.CreateFromYaml(File.ReadAllText(crd));
        }

        var options = new OperatorOptions
        {
            LeaderElection = false,
            StatusWriteInterval = TimeSpan.FromSeconds(2),
            SpecRecheckInterval = TimeSpan.FromSeconds(10),
            ResyncInterval = TimeSpan.FromMinutes(5),
        };
        var log = new RequestLog();
        var client = new KubernetesClient(new KubernetesClientConfiguration { Host = sim.Url.AbsoluteUri, AccessToken = sim.Token }, null, log);
        var harness = new MirrorHarness(sim, time, log, client, options);
        harness.Start();
        return harness;
    }

    /// <summary>Stops the controller and starts a new one with fresh caches, queue and limiter (a restarted operator).</summary>
    public async Task RestartAsync()
    {
        await _run.CancelAsync();
        await _tasks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _run.Dispose();
        _exporter?.Dispose();
        _metrics?.Dispose();
        _run = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        Start();
    }

    public string MetricsText() => _exporter?.Text() ?? "";

    private void Start()
    {
        _metrics = new OperatorMetrics(Time, "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
        _exporter = new MetricsScrape(_metrics.Meter.Name);
        var syncJobs = new Informer<SyncJob>(Client, ApiResources.SyncJobs, null);
        var op = new ReplicaMirrorOperator(Client, syncJobs, Options, _metrics, Time, NullLoggerFactory.Instance);
        var token = _run.Token;
        _tasks = Task.WhenAll(syncJobs.RunAsync(token), op.RunInformersAsync(token), RunControllerAsync(syncJobs, op, token));
    }

    private static async Task RunControllerAsync(Informer<SyncJob> syncJobs, ReplicaMirrorOperator op, CancellationToken token)
    {
        await syncJobs.WaitForSyncAsync(token);
        await op.RunControllerAsync(token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.CancelAsync();
        await _tasks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _exporter?.Dispose();
        _metrics?.Dispose();
        Client.Dispose();
        TestClient.Dispose();
        await Sim.DisposeAsync();
        _run.Dispose();
        _stop.Dispose();
    }

    /// <summary>Moves the shared clock (timers of the controller's queue fire).</summary>
    public void Advance(TimeSpan by) => Time.Advance(by);

    // ---- objects ----

    public static ReplicaMirror S3ToVolumes(string name, Action<ReplicaMirrorSpec>? edit = null)
    {
        var spec = new ReplicaMirrorSpec
        {
            Source = new Endpoint
            {
                S3 = new S3Endpoint { Bucket = "primary", Endpoint = "http://127.0.0.1:7480", ForcePathStyle = true, CredentialsSecretRef = new S3CredentialsSecretRef { Name = "s3-creds" } },
            },
            Destinations =
            [
                new MirrorDestination { Name = "eu", Volume = new VolumeEndpoint { ClaimName = "eu-data" } },
                new MirrorDestination { Name = "ap", Volume = new VolumeEndpoint { ClaimName = "ap-data" } },
            ],
            Interval = "15m",
        };
        edit?.Invoke(spec);
        return new ReplicaMirror { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace }, Spec = spec };
    }

    public async Task PrepareAsync()
    {
        await CreateS3SecretAsync();
        CreateClaim("eu-data");
        CreateClaim("ap-data");
    }

    public Task CreateS3SecretAsync(string name = "s3-creds") =>
        TestClient.CreateAsync(KubeResources.Secrets, Namespace, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            StringData = new Dictionary<string, string> { ["accessKeyId"] = "AKIAEXAMPLE", ["secretAccessKey"] = "never-shown-secret" },
        });

    public void CreateClaim(string name) =>
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

    public Task<ReplicaMirror> CreateMirrorAsync(ReplicaMirror mirror) => TestClient.CreateAsync(ApiResources.ReplicaMirrors, Namespace, mirror);

    public Task<ReplicaMirror?> GetMirrorAsync(string name) => TestClient.TryGetAsync(ApiResources.ReplicaMirrors, Namespace, name);

    public async Task<IReadOnlyList<SyncJob>> ChildrenAsync(string mirror) =>
        [.. (await TestClient.ListAllAsync(ApiResources.SyncJobs, Namespace)).Items
            .Where(s => s.Metadata.OwnerReferences?.Any(o => o.Kind == ReplicaMirror.KindName && o.Name == mirror) == true)
            .OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>Writes a child's status as the SyncJob controller would.</summary>
    public void SetChildStatus(string child, SyncJobStatus status) =>
        Sim.Store.SetStatus("ferry.io", "syncjobs", Namespace, child, JsonSerializer.SerializeToNode(status, ApiJsonContext.Default.SyncJobStatus));

    /// <summary>Ends a child as the SyncJob controller would.</summary>
    public void FinishChild(string child, bool succeeded, string? error = null, string? reason = null, long copied = 7)
    {
        var now = Time.GetUtcNow();
        SetChildStatus(child, new SyncJobStatus
        {
            Phase = succeeded ? SyncJobPhase.Succeeded : SyncJobPhase.Failed,
            StartTime = now.AddSeconds(-30),
            CompletionTime = now,
            LastError = error,
            Progress = new SyncProgress { Scanned = copied, Copied = copied, CopiedBytes = copied * 1000, Deleted = 0, Failed = succeeded ? 0 : 1 },
            Conditions =
            [
                new V1Condition { Type = succeeded ? SyncJobConditionTypes.Complete : SyncJobConditionTypes.Failed, Status = ConditionStatus.True, Reason = reason ?? (succeeded ? "Succeeded" : "ObjectsFailed"), Message = error ?? "done", LastTransitionTime = now.UtcDateTime },
            ],
        });
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string mirror) =>
        [.. (await TestClient.ListAllAsync(KubeResources.Events, Namespace)).Items.Where(e => e.InvolvedObject?.Name == mirror && e.InvolvedObject?.Kind == ReplicaMirror.KindName)];

    public IReadOnlyList<DateTimeOffset> MirrorStatusWrites(string name) =>
        [.. Log.Requests.Where(r => r.Method is "PUT" or "PATCH" && r.Path.Split('?')[0].EndsWith($"/replicamirrors/{name}/status", StringComparison.Ordinal)).Select(r => r.Time)];

    public async Task PatchMirrorSpecAsync(string name, JsonObject spec) =>
        await TestClient.PatchAsync(ApiResources.ReplicaMirrors, Namespace, name, new JsonObject { ["spec"] = spec });

    public static V1Condition? Cond(ReplicaMirror? mirror, string type) => mirror?.Status?.Conditions?.FindCondition(type);
}
