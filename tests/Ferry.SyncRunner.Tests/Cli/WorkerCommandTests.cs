using System.Diagnostics;
using System.Text.Json;
using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.SyncRunner.Tests.Cli;

/// <summary><c>ferry worker</c> against the cluster simulator with the real SyncJob CRD.</summary>
public sealed class WorkerCommandTests : IAsyncLifetime
{
    private ClusterSimulator _sim = null!;
    private KubernetesClient _client = null!;
    private readonly TempDirectory _data = new();
    private readonly TempDirectory _backup = new();

    public async Task InitializeAsync()
    {
        _sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
        _sim.Store.CreateFromYaml(File.ReadAllText(RepositoryPaths.SyncJobCrd));
        _client = new KubernetesClient(new KubernetesClientConfiguration { Host = _sim.Url.AbsoluteUri });
        for (int i = 0; i < 90; i++)
        {
            _data.Write($"set/{i % 5}/f{i:D2}", new string('d', i));
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sim.DisposeAsync();
        _data.Dispose();
        _backup.Dispose();
    }

    [Fact]
    public async Task RunWorkerAsync_ThreeWorkers_CopyEverything_RecordTheOutcome_AndExitZero()
    {
        SyncJob job = await CreateSyncJobAsync("photos");
        var logs = new[] { new StringWriter(), new StringWriter(), new StringWriter() };

        int[] codes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            WorkerCommand.RunWorkerAsync(Arguments(job), _client, Environment($"photos-runner-{i}").GetValueOrDefault, logs[i], CancellationToken.None)))
            .WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(new[] { 0, 0, 0 }, codes);
        Assert.Equal(TreeSnapshot.Take(_data.Combine("set"), withDirectories: false), TreeSnapshot.Take(_backup.Combine("out"), withDirectories: false));
        V1Lease scan = await _client.GetAsync(KubeResources.Leases, "default", RunNames.ScanLease("photos"));
        Assert.Equal(RunOutcomes.Succeeded, scan.Metadata.Annotations![RunAnnotations.Outcome]);
        List<V1Lease> leases = (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={job.Metadata.Uid}" })).Items;
        long copied = leases.Where(l => l.Metadata.Labels![RunLabels.LeaseRole] == LeaseRoles.Copy)
            .Sum(l => JsonSerializer.Deserialize(l.Metadata.Annotations![RunAnnotations.Counters], Api.Serialization.ApiJsonContext.Default.TaskCounters)!.Copied);
        Assert.Equal(90, copied);
        for (int i = 0; i < 3; i++)
        {
            string[] lines = logs[i].ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, line =>
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                Assert.Equal($"photos-runner-{i}", doc.RootElement.GetProperty("holder").GetString());
                Assert.Equal("default/photos", doc.RootElement.GetProperty("syncjob").GetString());
            });
            Assert.Contains("queue finished", logs[i].ToString(), StringComparison.Ordinal);
        }

        // The Leases are owned by the SyncJob: deleting it garbage-collects them.
        await _client.DeleteAsync(ApiResources.SyncJobs, "default", "photos");
        Assert.Empty((await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={job.Metadata.Uid}" })).Items);
    }

    [Fact]
    public async Task RunWorkerAsync_RunAlreadyFinished_ExitsZeroAtOnce()
    {
        SyncJob job = await CreateSyncJobAsync("done");
        Assert.Equal(0, await WorkerCommand.RunWorkerAsync(Arguments(job), _client, Environment("w1").GetValueOrDefault, new StringWriter(), CancellationToken.None));
        File.Delete(_backup.Combine("out/0/f00"));
        var log = new StringWriter();

        int code = await WorkerCommand.RunWorkerAsync(Arguments(job), _client, Environment("w2").GetValueOrDefault, log, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Contains("already finished", log.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_backup.Combine("out/0/f00")));
    }

    [Fact]
    public async Task RunWorkerAsync_OtherRunOrMissingMount_CannotTakePart()
    {
        SyncJob job = await CreateSyncJobAsync("other");
        var log = new StringWriter();

        int wrongRun = await WorkerCommand.RunWorkerAsync(Arguments(job) with { RunUid = "not-this-run" }, _client, Environment("w").GetValueOrDefault, log, CancellationToken.None);
        int noMount = await WorkerCommand.RunWorkerAsync(Arguments(job), _client, name => name == "FERRY_SOURCE_ROOT" ? "/nonexistent-ferry-mount" : Environment("w").GetValueOrDefault(name), log, CancellationToken.None);
        int noJob = await WorkerCommand.RunWorkerAsync(Arguments(job) with { SyncJobName = "absent" }, _client, Environment("w").GetValueOrDefault, log, CancellationToken.None);

        Assert.Equal((2, 2, 2), (wrongRun, noMount, noJob));
        Assert.Contains("this run is over", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("not mounted", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWorkerAsync_SpecItCannotRun_UsageExitNamingTheProblem_NothingCopied()
    {
        await _client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "keyless" },
            Data = new Dictionary<string, string> { ["other"] = "0/f00\n" },
        });
        SyncJob noKey = await CreateSyncJobAsync("nokey", spec => spec.FilesFrom = new V1ConfigMapKeySelector { Name = "keyless", Key = "keys" });
        SyncJob badPattern = await CreateSyncJobAsync("pattern", spec => spec.Filters = [new FilterRuleSpec { Exclude = "[abc" }]);
        var log = new StringWriter();

        int missingKey = await WorkerCommand.RunWorkerAsync(Arguments(noKey), _client, Environment("w").GetValueOrDefault, log, CancellationToken.None);
        int invalidPattern = await WorkerCommand.RunWorkerAsync(Arguments(badPattern), _client, Environment("w").GetValueOrDefault, log, CancellationToken.None);

        Assert.Equal((2, 2), (missingKey, invalidPattern));
        Assert.Contains("ConfigMap keyless has no key keys (spec.filesFrom)", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("invalid pattern", log.ToString(), StringComparison.Ordinal); // the JSON log escapes the quotes around [abc
        Assert.False(Directory.Exists(_backup.Combine("out")) && Directory.EnumerateFileSystemEntries(_backup.Combine("out")).Any());
    }

    [Fact]
    public async Task RunWorkerAsync_FilesFrom_ReadsTheConfigMapThroughTheApi()
    {
        await _client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "wanted" },
            Data = new Dictionary<string, string> { ["keys"] = "0/f00\n\n1/\n" },
        });
        SyncJob job = await CreateSyncJobAsync("subset", spec => spec.FilesFrom = new V1ConfigMapKeySelector { Name = "wanted", Key = "keys" });

        int code = await WorkerCommand.RunWorkerAsync(Arguments(job), _client, Environment("w").GetValueOrDefault, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        SortedDictionary<string, string> copied = TreeSnapshot.Take(_backup.Combine("out"), withDirectories: false);
        Assert.Equal(new[] { "0/f00" }.Concat(Enumerable.Range(0, 90).Where(i => i % 5 == 1).Select(i => $"1/f{i:D2}")).Order(StringComparer.Ordinal), copied.Keys);
    }

    [Fact]
    public async Task Worker_AsAProcess_WithTheSimulatorUrl_CompletesTheRun()
    {
        SyncJob job = await CreateSyncJobAsync("process");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "ferry.dll"), "worker", "--namespace", "default", "--syncjob", "process", "--run", job.Metadata.Uid!, "--lease-duration", "6" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in Environment("process-runner-0"))
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBECONFIG"] = WriteKubeconfig();
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string log = await stderr;
        Assert.True(process.ExitCode == 0, log + await stdout);
        Assert.Contains("\"holder\":\"process-runner-0\"", log, StringComparison.Ordinal);
        Assert.Equal(TreeSnapshot.Take(_data.Combine("set"), withDirectories: false), TreeSnapshot.Take(_backup.Combine("out"), withDirectories: false));
    }

    [Fact]
    public async Task Worker_Sigterm_HandsItsLeasesBack_AndAnotherWorkerFinishesWithExactCounts()
    {
        for (int i = 0; i < 60; i++)
        {
            _data.Write($"big/b{i:D2}", new string((char)('a' + (i % 26)), 4096));
        }

        SyncJob job = await CreateSyncJobAsync("sigterm", spec =>
        {
            spec.Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "big" } };
            spec.BwLimit = 1; // 1 Mbit/s: about 2 s for 240 KiB, so the worker is stopped mid-copy
            spec.TaskObjects = 100;
        });
        using Process process = StartWorkerProcess(job, "sig-runner-0");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            for (int i = 0; i < 600 && !(await CopyLeasesAsync(job)).Any(l => l.Metadata.Annotations![RunAnnotations.State] == TaskStates.Running); i++)
            {
                await Task.Delay(50);
            }

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        string log = await stderr + await stdout;
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {log}");
        Assert.Contains("handed back", log, StringComparison.Ordinal);
        V1Lease handedBack = Assert.Single(await CopyLeasesAsync(job));
        Assert.Equal((TaskStates.Pending, "0", null), (handedBack.Metadata.Annotations![RunAnnotations.State], handedBack.Metadata.Annotations[RunAnnotations.Attempts], handedBack.Spec!.HolderIdentity));

        // No expiry to wait for: the next worker claims the task at once and resumes after its checkpoint.
        int code = await WorkerCommand.RunWorkerAsync(Arguments(job), _client, Environment("sig-runner-1").GetValueOrDefault, new StringWriter(), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, code);
        Assert.Equal(TreeSnapshot.Take(_data.Combine("big"), withDirectories: false), TreeSnapshot.Take(_backup.Combine("out"), withDirectories: false));
        V1Lease done = Assert.Single(await CopyLeasesAsync(job));
        TaskCounters counters = JsonSerializer.Deserialize(done.Metadata.Annotations![RunAnnotations.Counters], Api.Serialization.ApiJsonContext.Default.TaskCounters)!;
        Assert.Equal((60L, 60L), (counters.Scanned, counters.Copied + counters.Skipped));
        Assert.Equal(("sig-runner-1", "1"), (done.Spec!.HolderIdentity, done.Metadata.Annotations[RunAnnotations.Attempts]));
    }

    private Process StartWorkerProcess(SyncJob job, string pod)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "ferry.dll"), "worker", "--namespace", "default", "--syncjob", job.Metadata.Name!, "--run", job.Metadata.Uid!, "--lease-duration", "6" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in Environment(pod))
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBECONFIG"] = WriteKubeconfig();
        start.Environment.Remove("KUBERNETES_SERVICE_HOST");
        return Process.Start(start)!;
    }

    private async Task<List<V1Lease>> CopyLeasesAsync(SyncJob job) =>
        (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={job.Metadata.Uid},{RunLabels.LeaseRole}={LeaseRoles.Copy}" })).Items;

    /// <summary>The simulator's admin kubeconfig in the backup directory's parent (a worker outside a pod uses the
    /// kubeconfig, as kubectl does).</summary>
    private string WriteKubeconfig()
    {
        string path = Path.Combine(Path.GetDirectoryName(_backup.Path.TrimEnd('/'))!, $"worker-{Guid.NewGuid():N}.kubeconfig");
        File.WriteAllText(path, _sim.Kubeconfig());
        return path;
    }

    private Dictionary<string, string> Environment(string pod) => new()
    {
        [RunnerContract.PodNameVariable] = pod,
        ["FERRY_SOURCE_ROOT"] = _data.Path,
        ["FERRY_DESTINATION_ROOT"] = _backup.Path,
    };

    private static WorkerArguments Arguments(SyncJob job) =>
        new("default", job.Metadata.Name!, job.Metadata.Uid!, TimeSpan.FromSeconds(3)) { PollInterval = TimeSpan.FromMilliseconds(100) };

    private async Task<SyncJob> CreateSyncJobAsync(string name, Action<SyncJobSpec>? change = null)
    {
        var spec = new SyncJobSpec
        {
            Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "set" } },
            Destination = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "backup", Path = "out" } },
            TaskObjects = 15,
            Workers = 3,
        };
        change?.Invoke(spec);
        return await _client.CreateAsync(ApiResources.SyncJobs, "default", new SyncJob { Metadata = new V1ObjectMeta { Name = name }, Spec = spec });
    }
}
