using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Http;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Storage;
using Ferry.Testing.Radosgw;

namespace Ferry.Bench.Scale;

/// <summary>The real path: the cluster simulator (in this process, so its request counter can be read) with the process
/// kubelet running runner pods as `ferry worker` processes, and `ferry-operator` as a separate process. A run is a
/// SyncJob created in its own namespace (the equivalent of `kubectl apply`, made through the store so the bench's own
/// reads are not counted), timed until its `Complete` condition is True.</summary>
internal sealed class OperatorRunner : IRunner
{
    private readonly BenchOptions _options;
    private readonly ClusterSimulator _sim;
    private readonly string _volumes;
    private readonly Process _operator;
    private readonly ProcessKubelet _kubelet;

    private OperatorRunner(BenchOptions options, ClusterSimulator sim, ProcessKubelet kubelet, string volumes, Process op)
    {
        _kubelet = kubelet;
        _options = options;
        _sim = sim;
        _volumes = volumes;
        _operator = op;
    }

    public static async Task<OperatorRunner> StartAsync(BenchOptions options, string work, CancellationToken cancellationToken)
    {
        string volumes = Directory.CreateDirectory(Path.Combine(work, "volumes")).FullName;
        var kubeletOptions = new ProcessKubeletOptions { VolumesDirectory = volumes, WorkDirectory = Directory.CreateDirectory(Path.Combine(work, "pods")).FullName };
        kubeletOptions.Images[options.Image] = options.Ferry;
        var kubelet = new ProcessKubelet(kubeletOptions);
        ClusterSimulator sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Kubelet = kubelet }, cancellationToken);
        foreach (string crd in Directory.GetFiles(options.Crds, "*.yaml"))
        {
            sim.Store.CreateFromYaml(await File.ReadAllTextAsync(crd, cancellationToken));
        }

        string kubeconfig = Path.Combine(work, "kubeconfig");
        await sim.WriteKubeconfigAsync(kubeconfig, cancellationToken);
        string[] command = (options.Operator + " " + options.OperatorArgs.Replace("{kubeconfig}", kubeconfig, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KUBECONFIG"] = kubeconfig;
        Process op = Process.Start(start) ?? throw new InvalidOperationException("ferry-operator did not start");
        string log = Path.Combine(options.Work, "ferry-scalebench-operator.log");
        var writer = new StreamWriter(log) { AutoFlush = true };
        op.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        op.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        op.BeginOutputReadLine();
        op.BeginErrorReadLine();
        Console.Error.WriteLine($"ferry-operator pid {op.Id} against {sim.Url} (log {log})");
        return new OperatorRunner(options, sim, kubelet, volumes, op);
    }

    public int? OperatorPid => _operator.Id;

    /// <summary>The runner ServiceAccount and RoleBinding of the chart in <paramref name="ns"/> (the runner pods reach the
    /// API with their own tokens, under that RBAC), and its ClusterRole the first time.</summary>
    private void ApplyRunnerRbac(string ns)
    {
        if (_options.RunnerRbac is not { } file)
        {
            return;
        }

        string yaml = File.ReadAllText(file).Replace(BenchOptions.RunnerNamespacePlaceholder, ns, StringComparison.Ordinal);
        foreach (string document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            if (document.Contains("kind:", StringComparison.Ordinal))
            {
                try
                {
                    _sim.Store.CreateFromYaml(document);
                }
                catch (Ferry.ClusterSim.Api.StatusException e) when (e.Code == 409)
                {
                    // The ClusterRole, created for an earlier run.
                }
            }
        }
    }

    public async Task<RunResult> RunAsync(string name, int workers, RadosgwServer rgw, Uri s3Endpoint, string bucket, Dataset dataset, CancellationToken cancellationToken)
    {
        string ns = $"scale-{name}";
        string claim = $"dst-{name}";
        if (_operator.HasExited)
        {
            throw new InvalidOperationException($"ferry-operator exited with {_operator.ExitCode}");
        }

        _sim.Store.CreateFromYaml($$"""
            apiVersion: v1
            kind: Namespace
            metadata: {name: {{ns}}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: s3, namespace: {{ns}}}
            stringData: {accessKeyId: "{{rgw.AccessKey}}", secretAccessKey: "{{rgw.SecretKey}}"}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: {{claim}}, namespace: {{ns}}}
            spec:
              accessModes: [ReadWriteMany]
              resources:
                requests: {storage: 1Gi}
            """);
        ApplyRunnerRbac(ns);
        string syncJob = $$"""
            apiVersion: ferry.io/v1alpha1
            kind: SyncJob
            metadata: {name: scale, namespace: {{ns}}}
            spec:
              source:
                s3:
                  bucket: {{bucket}}
                  endpoint: "{{s3Endpoint.GetLeftPart(UriPartial.Authority)}}"
                  region: us-east-1
                  forcePathStyle: true
                  credentialsSecretRef: {name: s3}
              destination:
                volume: {claimName: {{claim}}}
              workers: {{workers}}
              threads: {{_options.Threads}}
              taskObjects: {{_options.TaskObjects}}
            """;
        ResourceType syncJobs = _sim.Store.Type("ferry.io", "syncjobs");
        ResourceType pods = _sim.Store.Type("", "pods");
        _sim.Requests.Reset();
        DateTimeOffset appliedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        _sim.Store.CreateFromYaml(syncJob);
        string outcome = "Timeout";
        JsonObject status = new();
        string? lastVersion = null;
        var statusChanges = new List<double>();
        while (clock.Elapsed < TimeSpan.FromMinutes(20))
        {
            cancellationToken.ThrowIfCancellationRequested();
            JsonObject job = _sim.Store.Get(syncJobs, ns, "scale");
            status = job["status"]?.AsObject() ?? new JsonObject();
            string version = job["metadata"]!["resourceVersion"]!.GetValue<string>();
            if (lastVersion is not null && version != lastVersion)
            {
                statusChanges.Add(clock.Elapsed.TotalSeconds);
            }

            lastVersion = version;
            if (Condition(status, "Complete"))
            {
                outcome = "Complete";
                break;
            }

            if (Condition(status, "Failed"))
            {
                outcome = "Failed: " + status["conditions"]!.AsArray().First(c => c!["type"]!.GetValue<string>() == "Failed")!["message"];
                break;
            }

            if (_operator.HasExited)
            {
                outcome = $"operator exited with {_operator.ExitCode}";
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        double seconds = clock.Elapsed.TotalSeconds;

        // Let the workers exit and the operator write its last status, so the run's requests are all counted.
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromSeconds(20)
            && _sim.Store.List(pods, ns, ListOptions.All).Items.Any(p => p["status"]?["phase"]?.GetValue<string>() is "Pending" or "Running"))
        {
            await Task.Delay(100, cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        IReadOnlyDictionary<RequestCounter.Key, RequestCounter.Counts> counts = _sim.Requests.Snapshot();
        var inRun = counts.Where(c => c.Key.Namespace == ns).ToList();
        var statusWrites = inRun.Where(c => c.Key.Resource == "syncjobs" && c.Key.Subresource == "status" && c.Key.Verb is "update" or "patch").ToList();
        var result = new RunResult
        {
            Name = name,
            Workers = workers,
            Seconds = seconds,
            Outcome = outcome,
            Copied = status["progress"]?["copied"]?.GetValue<long>() ?? -1,
            CopiedBytes = status["progress"]?["copiedBytes"]?.GetValue<long>() ?? -1,
            Tasks = status["tasks"]?["total"]?.GetValue<long>() ?? 0,
            ApiRequests = inRun.Sum(c => c.Value.Count),
            ApiRequestsAll = counts.Sum(c => c.Value.Count),
            LeaseRequests = inRun.Where(c => c.Key.Resource == "leases").Sum(c => c.Value.Count),
            LeaseConflicts = inRun.Where(c => c.Key.Resource == "leases").Sum(c => c.Value.Errors),
            StatusWrites = statusWrites.Sum(c => c.Value.Count),
            StatusMinIntervalSeconds = statusWrites.Count == 1 ? statusWrites[0].Value.MinInterval?.TotalSeconds : null,
            Breakdown = _sim.Requests.ToString(),
            StatusChanges = statusChanges,
        };
        // Queue diagnostics: tasks claimed more than once (taken over after a lease expired), and the pods' logs.
        ResourceType leases = _sim.Store.Type("coordination.k8s.io", "leases");
        List<JsonObject> copyTasks = _sim.Store.List(leases, ns, ListOptions.All).Items
            .Where(l => l["metadata"]?["labels"]?["ferry.io/lease"]?.GetValue<string>() == "copy").ToList();
        result.TasksRetried = copyTasks.Count(l => long.TryParse(l["metadata"]?["annotations"]?["ferry.io/attempts"]?.GetValue<string>(), out long a) && a > 1);
        string logs = Path.Combine(_options.Work, "ferry-scalebench-logs", ns);
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Directory.CreateDirectory(logs);
        foreach (JsonObject pod in _sim.Store.List(pods, ns, ListOptions.All).Items)
        {
            string podName = pod["metadata"]!["name"]!.GetValue<string>();
            string log = _kubelet.ReadLog(podName, ns);
            await File.WriteAllTextAsync(Path.Combine(logs, podName + ".log"), log, cancellationToken);
            foreach (string line in log.Split('\n').Where(l => l.Contains("\"msg\":\"syncing ", StringComparison.Ordinal)))
            {
                if (JsonNode.Parse(line)?["time"]?.GetValue<string>() is { } time
                    && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset started))
                {
                    double startup = (started - appliedAt).TotalSeconds;
                    result.StartupSeconds = result.StartupSeconds is { } s0 ? Math.Min(s0, startup) : startup;
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(logs, "leases.json"), new JsonArray(copyTasks.Select(l => (JsonNode)l["metadata"]!.DeepClone()).ToArray()).ToJsonString(), cancellationToken);
        result.VerifyError = dataset.Verify(Path.Combine(_volumes, claim));
        if (result.VerifyError is null && result.Copied != dataset.Count)
        {
            result.VerifyError = $"status.progress.copied {result.Copied}, expected {dataset.Count}";
        }

        result.Verified = result.VerifyError is null;
        Directory.Delete(Path.Combine(_volumes, claim), recursive: true);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_operator.HasExited)
        {
            Process.Start("kill", ["-TERM", _operator.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _operator.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _operator.Kill();
            }
        }

        _operator.Dispose();
        await _sim.DisposeAsync();
    }

    private static bool Condition(JsonObject status, string type) =>
        status["conditions"] is JsonArray conditions
        && conditions.Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == "True");
}
