using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.Api.Runs;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Selectors;
using Ferry.ClusterSim.Storage;

namespace Ferry.E2E.Tests.Harness;

/// <summary>One scenario's cluster: the simulator in process with the process kubelet (PVC <c>NAME</c> =
/// <c>VOLUMES/NAME</c>; the runner image mapped to the built <c>ferry</c>), the CRDs applied with kubectl, and
/// <c>ferry-operator</c> as a separate process with short leases. Everything lives in one temporary directory;
/// disposing stops the operator and every pod process by PID and deletes it.</summary>
internal sealed class E2ECluster : IAsyncDisposable
{
    /// <summary>The lease duration the operator gives the workers (and uses for leader election where it can), in
    /// seconds: short, so that takeover scenarios take seconds.</summary>
    public const int LeaseDurationSeconds = 5;

    private readonly List<OperatorProcess> operators = [];

    private E2ECluster(E2EFixture fixture, string root, ClusterSimulator sim, ProcessKubelet kubelet)
    {
        Fixture = fixture;
        Root = root;
        Sim = sim;
        Kubelet = kubelet;
        Kubectl = new Kubectl(KubeconfigPath, Path.Combine(root, "kubectl-cache"));
    }

    /// <summary>The shared S3 server and source tree.</summary>
    public E2EFixture Fixture { get; }

    /// <summary>The private directory.</summary>
    public string Root { get; }

    /// <summary>The simulator.</summary>
    public ClusterSimulator Sim { get; }

    /// <summary>The process kubelet.</summary>
    public ProcessKubelet Kubelet { get; }

    /// <summary>kubectl against the simulator.</summary>
    public Kubectl Kubectl { get; }

    /// <summary>The kubeconfig the simulator wrote.</summary>
    public string KubeconfigPath => Path.Combine(Root, "kubeconfig");

    /// <summary>The directory whose subdirectory NAME is the PVC NAME.</summary>
    public string VolumesDirectory => Path.Combine(Root, "volumes");

    /// <summary>Namespaces whose description is appended to every failure message (e.g. the release namespace of a
    /// chart-installed operator, whose pod log says why a SyncJob elsewhere did not progress).</summary>
    public List<string> AlsoDescribe { get; } = [];

    /// <summary>The operator process running now (the last one started).</summary>
    public OperatorProcess Operator => operators[^1];

    /// <summary>Starts the simulator, kubelet and operator and applies <c>crds/</c>.</summary>
    public static Task<E2ECluster> StartAsync(E2EFixture fixture, string scenario) => StartAsync(fixture, scenario, imageDirectory: null);

    /// <summary>Starts the simulator and kubelet; without <paramref name="imageDirectory"/> also applies <c>crds/</c> and
    /// starts the operator process (the runner image maps to the built <c>ferry</c>). With it, the kubelet maps
    /// <see cref="ImageDirectory.ChartImage"/> (the chart's default image) to that directory, the image's <c>/app</c>, and
    /// nothing else is started: the chart brings the CRDs and the operator.</summary>
    public static async Task<E2ECluster> StartAsync(E2EFixture fixture, string scenario, string? imageDirectory)
    {
        string root = Directory.CreateTempSubdirectory($"ferry-e2e-{scenario}-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "volumes"));
        Directory.CreateDirectory(Path.Combine(root, "pods"));
        Directory.CreateDirectory(Path.Combine(root, "manifests"));
        var kubelet = new ProcessKubelet(new ProcessKubeletOptions
        {
            VolumesDirectory = Path.Combine(root, "volumes"),
            WorkDirectory = Path.Combine(root, "pods"),
            Images = { [imageDirectory is null ? Manifests.RunnerImage : ImageDirectory.ChartImage] = imageDirectory ?? Repo.FerryExecutable },
            DefaultGracePeriod = TimeSpan.FromSeconds(10),
        });
        ClusterSimulator sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Kubelet = kubelet });
        var cluster = new E2ECluster(fixture, root, sim, kubelet);
        try
        {
            await sim.WriteKubeconfigAsync(cluster.KubeconfigPath);
            if (imageDirectory is null)
            {
                await cluster.Kubectl.RunOkAsync("apply", "-f", Repo.Crds);
                cluster.StartOperator();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (another) operator process.</summary>
    public OperatorProcess StartOperator()
    {
        OperatorProcess process = OperatorProcess.Start(KubeconfigPath, OperatorArguments(), Path.Combine(Root, "operator.log"));
        operators.Add(process);
        return process;
    }

    /// <summary>The operator's command line: the runner image, the workers' lease duration, a short leader-election
    /// Lease (a restarted operator takes over from a killed one within seconds) and a free port for its health and
    /// metrics endpoints.</summary>
    private static string[] OperatorArguments() =>
    [
        "--runner-image", Manifests.RunnerImage,
        "--runner-service-account", RunnerServiceAccount,
        "--lease-duration", LeaseDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--leader-election-lease-duration", LeaseDurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--port", "0",
        "--log-format", "text",
    ];

    /// <summary>The runner pods' ServiceAccount: the chart's default (<c>runner.serviceAccountName</c>).</summary>
    public const string RunnerServiceAccount = "ferry-runner";

    /// <summary>Creates a namespace holding the runner ServiceAccount and its RoleBinding as the Helm chart renders them
    /// (<c>helm template</c> of <c>templates/rbac-runner.yaml</c> with <c>runner.namespaces</c>: the runners work under the
    /// chart's RBAC), the S3 credentials Secret (unless <paramref name="withSecret"/> is false) and the PVC
    /// <paramref name="claim"/>, all with kubectl.</summary>
    public async Task PrepareNamespaceAsync(string ns, string claim, bool withSecret = true)
    {
        await Kubectl.RunOkAsync("create", "namespace", ns);
        string rbac = Path.Combine(Root, "manifests", $"{ns}-runner-rbac.yaml");
        await File.WriteAllTextAsync(rbac, await Helm.TemplateAsync("templates/rbac-runner.yaml", $"runner.namespaces={{{ns}}}"));
        await Kubectl.RunOkAsync("apply", "-f", rbac);
        if (withSecret)
        {
            await ApplyAsync(Manifests.S3Credentials(ns, Fixture.S3.AccessKey, Fixture.S3.SecretKey));
        }

        await ApplyAsync(Manifests.Claim(ns, claim));
    }

    /// <summary>Creates the S3 credentials Secret and the PVC <paramref name="claim"/> in <paramref name="ns"/> (which
    /// exists already, e.g. with the runner RBAC the chart installed there), with kubectl.</summary>
    public async Task PrepareSecretAndClaimAsync(string ns, string claim)
    {
        await ApplyAsync(Manifests.S3Credentials(ns, Fixture.S3.AccessKey, Fixture.S3.SecretKey));
        await ApplyAsync(Manifests.Claim(ns, claim));
    }

    /// <summary>Writes <paramref name="manifest"/> to a file and runs <c>kubectl apply -f</c> on it (kubectl's default,
    /// strict validation).</summary>
    public async Task<Kubectl.Result> ApplyAsync(JsonObject manifest, bool expectSuccess = true)
    {
        string file = Path.Combine(Root, "manifests", $"{(string?)manifest["metadata"]?["namespace"]}_{(string?)manifest["kind"]}_{(string?)manifest["metadata"]?["name"]}_{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, manifest.ToJsonString());
        return expectSuccess
            ? await Kubectl.RunOkAsync("apply", "-f", file)
            : await Kubectl.RunAsync("apply", "-f", file);
    }

    /// <summary>The host directory of <paramref name="path"/> in the PVC <paramref name="claim"/>.</summary>
    public string VolumePath(string claim, string path) => Path.Combine(VolumesDirectory, claim, path);

    /// <summary>The SyncJob as stored now.</summary>
    public SyncJobView GetSyncJob(string ns, string name) =>
        new(Sim.Store.Get(Sim.Store.Type("ferry.io", "syncjobs"), ns, name));

    /// <summary>The ReplicaMirror as stored now.</summary>
    public MirrorView GetMirror(string ns, string name) =>
        new(Sim.Store.Get(Sim.Store.Type("ferry.io", "replicamirrors"), ns, name));

    /// <summary>The child SyncJobs of a ReplicaMirror destination, oldest slot first.</summary>
    public IReadOnlyList<SyncJobView> MirrorChildren(string ns, string mirror, string destination) =>
        [.. List("ferry.io", "syncjobs", ns, labels: $"{Ferry.Api.ReplicaMirrors.MirrorLabels.Mirror}={mirror},{Ferry.Api.ReplicaMirrors.MirrorLabels.Destination}={destination}")
            .Select(o => new SyncJobView(o))
            .OrderBy(s => (string?)s.Object["metadata"]!["annotations"]?[Ferry.Api.ReplicaMirrors.MirrorLabels.ScheduledTime], StringComparer.Ordinal)];

    /// <summary>Polls until the ReplicaMirror satisfies <paramref name="condition"/>.</summary>
    public async Task<MirrorView> WaitForMirrorAsync(string ns, string name, Func<MirrorView, bool> condition, TimeSpan timeout, string what)
    {
        MirrorView? seen = null;
        await WaitUntilAsync(ns, () =>
        {
            seen = GetMirror(ns, name);
            return condition(seen);
        }, timeout, $"ReplicaMirror {ns}/{name}: {what}");
        return seen!;
    }

    /// <summary>The Events about the object <paramref name="name"/> of <paramref name="kind"/>.</summary>
    public IReadOnlyList<JsonObject> Events(string ns, string kind, string name) =>
        [.. List("", "events", ns).Where(e => (string?)e["involvedObject"]?["kind"] == kind && (string?)e["involvedObject"]?["name"] == name)];

    /// <summary>The SyncJob, or null when it does not exist.</summary>
    public SyncJobView? TryGetSyncJob(string ns, string name) =>
        List("ferry.io", "syncjobs", ns, "metadata.name=" + name, null).FirstOrDefault() is { } o ? new SyncJobView(o) : null;

    /// <summary>Objects of one kind in <paramref name="ns"/>, optionally by field and label selector.</summary>
    public IReadOnlyList<JsonObject> List(string group, string plural, string ns, string? fields = null, string? labels = null) =>
        Sim.Store.List(Sim.Store.Type(group, plural), ns, new ListOptions(LabelSelector.Parse(labels), FieldSelector.Parse(fields))).Items;

    /// <summary>The Leases of a run (<c>ferry.io/run=UID</c>).</summary>
    public IReadOnlyList<JsonObject> RunLeases(string ns, string runUid) =>
        List("coordination.k8s.io", "leases", ns, labels: $"{RunLabels.Run}={runUid}");

    /// <summary>The copy task Leases of a run.</summary>
    public IReadOnlyList<JsonObject> CopyTasks(string ns, string runUid) =>
        List("coordination.k8s.io", "leases", ns, labels: $"{RunLabels.Run}={runUid},{RunLabels.LeaseRole}={LeaseRoles.Copy}");

    /// <summary>The Pods in <paramref name="ns"/>.</summary>
    public IReadOnlyList<JsonObject> Pods(string ns) => List("", "pods", ns);

    /// <summary>The Jobs in <paramref name="ns"/>.</summary>
    public IReadOnlyList<JsonObject> Jobs(string ns) => List("batch", "jobs", ns);

    /// <summary>Polls (every 200 ms) until <paramref name="condition"/> holds; fails with a description of the
    /// namespace after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(string ns, Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (operators.Count > 0 && !Operator.Stopped && !Operator.IsRunning)
            {
                Assert.Fail($"ferry-operator (pid {Operator.Pid}) exited while waiting for {what}\n{Describe(ns)}");
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}\n{Describe(ns)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the SyncJob satisfies <paramref name="condition"/>; fails early when it is
    /// <c>Failed</c> unless that is what is awaited.</summary>
    public async Task<SyncJobView> WaitForSyncJobAsync(string ns, string name, Func<SyncJobView, bool> condition, TimeSpan timeout, string what)
    {
        SyncJobView? seen = null;
        await WaitUntilAsync(ns, () =>
        {
            seen = TryGetSyncJob(ns, name);
            if (seen is not null && seen.Is("Failed") && !condition(seen))
            {
                Assert.Fail($"SyncJob {ns}/{name} Failed while waiting for {what}\n{Describe(ns)}");
            }

            return seen is not null && condition(seen);
        }, timeout, $"SyncJob {ns}/{name}: {what}");
        return seen!;
    }

    /// <summary>Waits for <c>Complete=True</c> and the status written for it (phase <c>Succeeded</c>).</summary>
    public Task<SyncJobView> WaitForCompleteAsync(string ns, string name, TimeSpan? timeout = null) =>
        WaitForSyncJobAsync(ns, name, s => s.Is("Complete") && s.Phase == "Succeeded", timeout ?? TimeSpan.FromSeconds(120), "Complete");

    /// <summary>A description of the namespace for failure messages: the SyncJobs, Jobs, Pods (phase, exit code),
    /// Leases (holder, state, attempts, transitions, counters), the operator's log tail and every pod's log tail.</summary>
    public string Describe(string ns) =>
        string.Concat(AlsoDescribe.Where(other => other != ns).Prepend(ns).Select(n => $"=== namespace {n}\n{DescribeOne(n)}"));

    private string DescribeOne(string ns)
    {
        var text = new StringBuilder();
        try
        {
            foreach (JsonObject rm in List("ferry.io", "replicamirrors", ns))
            {
                text.Append("--- ReplicaMirror ").Append((string?)rm["metadata"]!["name"]).Append(" status: ").AppendLine(rm["status"]?.ToJsonString() ?? "(none)");
            }

            foreach (JsonObject sj in List("ferry.io", "syncjobs", ns))
            {
                text.Append("--- SyncJob ").Append((string?)sj["metadata"]!["name"]).Append(" status: ").AppendLine(sj["status"]?.ToJsonString() ?? "(none)");
            }

            foreach (JsonObject d in List("apps", "deployments", ns))
            {
                text.Append("--- Deployment ").Append((string?)d["metadata"]!["name"]).Append(" generation ").Append(d["metadata"]!["generation"]?.ToJsonString())
                    .Append(" status: ").AppendLine(d["status"]?.ToJsonString() ?? "(none)");
            }

            foreach (JsonObject rs in List("apps", "replicasets", ns))
            {
                text.Append("--- ReplicaSet ").Append((string?)rs["metadata"]!["name"]).Append(" replicas ").Append(rs["spec"]?["replicas"]?.ToJsonString())
                    .Append(" status: ").AppendLine(rs["status"]?.ToJsonString() ?? "(none)");
            }

            foreach (JsonObject e in List("", "events", ns).Where(e => (string?)e["type"] == "Warning"))
            {
                text.Append("--- Warning ").Append((string?)e["involvedObject"]?["kind"]).Append('/').Append((string?)e["involvedObject"]?["name"])
                    .Append(' ').Append((string?)e["reason"]).Append(": ").AppendLine((string?)e["message"]);
            }

            foreach (JsonObject job in Jobs(ns))
            {
                text.Append("--- Job ").Append((string?)job["metadata"]!["name"]).Append(" parallelism ").Append(job["spec"]?["parallelism"]?.ToJsonString())
                    .Append(" status: ").AppendLine(job["status"]?.ToJsonString() ?? "(none)");
            }

            foreach (JsonObject pod in Pods(ns))
            {
                text.Append("--- Pod ").Append((string?)pod["metadata"]!["name"]).Append(' ').Append((string?)pod["status"]?["phase"])
                    .Append(" ready=").Append(pod["status"]?["containerStatuses"]?[0]?["ready"]?.ToJsonString())
                    .Append(' ').AppendLine(pod["status"]?["containerStatuses"]?[0]?["state"]?.ToJsonString());
            }

            foreach (JsonObject lease in List("coordination.k8s.io", "leases", ns))
            {
                JsonNode? a = lease["metadata"]!["annotations"];
                text.Append("--- Lease ").Append((string?)lease["metadata"]!["name"])
                    .Append(" holder=").Append((string?)lease["spec"]?["holderIdentity"])
                    .Append(" transitions=").Append(lease["spec"]?["leaseTransitions"]?.ToJsonString())
                    .Append(" renew=").Append((string?)lease["spec"]?["renewTime"])
                    .Append(" annotations=").AppendLine(a?.ToJsonString());
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            text.AppendLine($"(listing failed: {e.Message})");
        }

        foreach (OperatorProcess op in operators.TakeLast(1))
        {
            text.Append("--- operator log (pid ").Append(op.Pid).Append(op.IsRunning ? ", running" : ", exited").AppendLine("), last lines:").AppendLine(op.Tail());
        }

        foreach (string log in Directory.EnumerateFiles(Path.Combine(Root, "pods"), "container.log", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string pod = Path.GetFileName(Path.GetDirectoryName(log)!);
            if (pod.StartsWith(ns + "_", StringComparison.Ordinal))
            {
                text.Append("--- pod log ").AppendLine(pod).AppendLine(string.Join('\n', File.ReadLines(log).TakeLast(25)));
            }
        }

        return text.ToString();
    }

    /// <summary>Stops every operator process and the simulator (which kills every pod process by PID) and deletes
    /// the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (OperatorProcess op in operators)
        {
            op.Dispose();
        }

        await Sim.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
