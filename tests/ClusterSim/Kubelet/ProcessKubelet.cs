using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>A kubelet and Job controller that run Pods as local processes: every Pod's first container becomes a
/// process (see <see cref="PodLauncher"/>) whose life the Pod's status follows, and every Job gets Pods from its
/// template as the Job controller would (see <see cref="JobController"/>).</summary>
/// <remarks>One background loop reconciles on every create/delete, every process exit and every
/// <see cref="ProcessKubeletOptions.ResyncInterval"/>. Pod status: Pending (waiting, e.g.
/// <c>CreateContainerConfigError</c>, retried) → Running (<c>containerStatuses[0].state.running</c>) → Succeeded or
/// Failed (<c>state.terminated.exitCode</c>; 128+N for signal N). Deleting a Pod sends SIGTERM to its process group,
/// then SIGKILL after the grace period. Disposing kills every process (by process group id).</remarks>
public sealed class ProcessKubelet : IKubelet, IAsyncDisposable
{
    private readonly ProcessKubeletOptions _options;
    private readonly ConcurrentDictionary<string, PodProcess> _processes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _podDirectories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _finished = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PodProber> _probers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlySet<string>> _hostPorts = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _stops = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly PodLauncher _launcher;
    private readonly JobController _jobs;
    private readonly string _workDirectory;
    private readonly bool _ownsWorkDirectory;
    private readonly Lock _gate = new();
    private ClusterStore? _store;
    private ClusterSimulator? _simulator;
    private Task? _loop;
    private int _disposed;

    /// <summary>Creates a kubelet; it starts working once attached to a simulator (or told of a first object).</summary>
    public ProcessKubelet(ProcessKubeletOptions? options = null)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            throw new PlatformNotSupportedException("the process kubelet runs each pod in its own mount namespace (unshare --mount, overlay and bind mounts): it needs Linux and root (tests/README.md)");
        }

        _options = options ?? new ProcessKubeletOptions();
        _ownsWorkDirectory = _options.WorkDirectory is null;
        _workDirectory = _options.WorkDirectory ?? Directory.CreateTempSubdirectory("clustersim-kubelet-").FullName;
        Directory.CreateDirectory(_workDirectory);
        _launcher = new PodLauncher(_options, _workDirectory);
        _jobs = new JobController(this);
    }

    /// <summary>The settings.</summary>
    public ProcessKubeletOptions Options => _options;

    /// <summary>Where the per-pod directories are.</summary>
    public string WorkDirectory => _workDirectory;

    /// <summary>The process ids of the pods' processes still running.</summary>
    public IReadOnlyCollection<int> ProcessIds => _processes.Values.Select(p => p.Pid).ToList();

    internal ClusterStore? Store => _store;

    /// <inheritdoc/>
    public void Attach(ClusterSimulator simulator)
    {
        _simulator = simulator;
        EnsureStarted(simulator.Store);
    }

    /// <inheritdoc/>
    public void OnCreated(ClusterStore store, ResourceType type, JsonObject obj)
    {
        EnsureStarted(store);
        Wake();
    }

    /// <inheritdoc/>
    public void OnDeleted(ClusterStore store, ResourceType type, JsonObject obj)
    {
        EnsureStarted(store);
        var uid = JsonValues.String(obj["metadata"]?["uid"]) ?? "";
        if (type.Plural == "pods")
        {
            StopPod(uid);
        }
        else
        {
            _jobs.OnJobRemoved(store, obj);
        }

        Wake();
    }

    /// <summary>The process id of a pod's running process, or null when it has none (not started, or ended).</summary>
    public int? GetProcessId(string name, string @namespace = "default") =>
        _processes.Values.FirstOrDefault(p => p.Name == name && p.Namespace == @namespace)?.Pid;

    /// <summary>Sends <paramref name="signal"/> to a pod's process group at once, as a crash or an OOM kill would; the
    /// Pod then ends Failed (exit code 128+signal) unless the process handles the signal and exits 0.</summary>
    /// <returns>False when the pod has no running process.</returns>
    public bool KillPod(string name, PodSignal signal = PodSignal.SIGKILL, string @namespace = "default") =>
        _processes.Values.FirstOrDefault(p => p.Name == name && p.Namespace == @namespace) is { } process && process.Signal(signal);

    /// <summary>The container's output so far (stdout and stderr interleaved as written), or "" when the pod never
    /// started. Logs outlive the pod until the kubelet is disposed.</summary>
    public string ReadLog(string name, string @namespace = "default")
    {
        var path = LogPath(name, @namespace);
        if (path is null || !File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The path of a pod's log file (the newest pod of that name), or null when it never started.</summary>
    public string? LogPath(string name, string @namespace = "default")
    {
        var directory = Directory.Exists(_workDirectory)
            ? Directory.EnumerateDirectories(_workDirectory, $"{@namespace}_{name}_*").Select(d => new DirectoryInfo(d)).MaxBy(d => d.CreationTimeUtc)
            : null;
        return directory is null ? null : Path.Combine(directory.FullName, "container.log");
    }

    internal void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private void EnsureStarted(ClusterStore store)
    {
        lock (_gate)
        {
            if (_loop is not null || Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            _store = store;
            _loop = Task.Run(LoopAsync);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.ResyncInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                ReconcilePods(_store!);
                _jobs.Reconcile(_store!);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A conflicting write or a vanished object: the next pass sees the new state.
                await Console.Error.WriteLineAsync($"clustersim kubelet: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    private void ReconcilePods(ClusterStore store)
    {
        var pods = store.List(store.Type("", "pods"), null, ListOptions.All).Items;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var meta = pod["metadata"]!;
            var uid = JsonValues.String(meta["uid"])!;
            present.Add(uid);
            if (meta["deletionTimestamp"] is not null)
            {
                StopPod(uid);
                continue;
            }

            var phase = JsonValues.String(pod["status"]?["phase"]);
            if (phase is "Succeeded" or "Failed" || _processes.ContainsKey(uid) || _finished.ContainsKey(uid))
            {
                continue;
            }

            StartPod(store, pod);
        }

        foreach (var (uid, _) in _processes)
        {
            if (!present.Contains(uid))
            {
                StopPod(uid);
            }
        }
    }

    private void StartPod(ClusterStore store, JsonObject pod)
    {
        var meta = pod["metadata"]!;
        var ns = JsonValues.String(meta["namespace"]) ?? "default";
        var name = JsonValues.String(meta["name"])!;
        var uid = JsonValues.String(meta["uid"])!;
        var container = pod["spec"]?["containers"]?[0];
        var containerName = JsonValues.String(container?["name"]) ?? "main";
        var image = JsonValues.String(container?["image"]) ?? "";
        var ports = HostPorts(container as JsonObject);
        if (PortsInUse(uid, ports) is { } taken)
        {
            // One node with the host's network: like the scheduler's NodePorts filter, a pod waits while another pod's
            // process holds a port it declares (e.g. the old pod of a rolling update, until it has exited).
            var message = $"0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports ({taken}).";
            if (!_waiting.TryGetValue(uid, out var before) || before != message)
            {
                _waiting[uid] = message;
                WritePodStatus(store, ns, name, new JsonObject
                {
                    ["phase"] = "Pending",
                    ["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "PodScheduled",
                        ["status"] = "False",
                        ["reason"] = "Unschedulable",
                        ["message"] = message,
                        ["lastTransitionTime"] = Timestamp(DateTimeOffset.UtcNow),
                    }),
                });
            }

            return;
        }

        LaunchPlan plan;
        PodProcess process;
        ContainerProbe? startup, liveness, readiness;
        try
        {
            plan = _launcher.Plan(store, _simulator, pod);
            startup = ContainerProbe.Parse(container!.AsObject(), "startupProbe");
            liveness = ContainerProbe.Parse(container!.AsObject(), "livenessProbe");
            readiness = ContainerProbe.Parse(container!.AsObject(), "readinessProbe");
            process = PodProcess.Start(ns, name, uid, plan, _options.InheritEnvironment);
        }
        catch (PodConfigException e)
        {
            if (_waiting.TryGetValue(uid, out var previous) && previous == e.Message)
            {
                return;
            }

            _waiting[uid] = e.Message;
            WritePodStatus(store, ns, name, new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = Conditions(false),
                ["containerStatuses"] = new JsonArray(ContainerStatus(containerName, image, false, false, new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = e.Reason, ["message"] = e.Message },
                }, null)),
            });
            return;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            _finished[uid] = 1;
            WritePodStatus(store, ns, name, new JsonObject
            {
                ["phase"] = "Failed",
                ["containerStatuses"] = new JsonArray(ContainerStatus(containerName, image, false, false, new JsonObject
                {
                    ["terminated"] = new JsonObject { ["exitCode"] = 128, ["reason"] = "StartError", ["message"] = e.Message },
                }, null)),
            });
            return;
        }

        _waiting.TryRemove(uid, out _);
        _podDirectories[uid] = plan.PodDirectory;
        _hostPorts[uid] = ports;
        _processes[uid] = process;
        var started = Timestamp(process.StartedAt);
        var prober = new PodProber(startup, liveness, readiness,
            (isStarted, isReady) => WriteProbeStatus(store, ns, name, uid, isStarted, isReady),
            message => RecordPodEvent(store, pod, "Unhealthy", message),
            reason =>
            {
                RecordPodEvent(store, pod, "Killing", $"Container {containerName} {reason}, will be stopped (the process kubelet does not restart containers)");
                _stops.Add(process.StopAsync(process.Plan.GracePeriod));
            });
        var (initiallyStarted, initiallyReady) = prober.Initial;
        WritePodStatus(store, ns, name, new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = Conditions(initiallyReady),
            ["hostIP"] = "127.0.0.1",
            ["podIP"] = "127.0.0.1",
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["startTime"] = started,
            ["containerStatuses"] = new JsonArray(ContainerStatus(containerName, image, initiallyReady, initiallyStarted, new JsonObject
            {
                ["running"] = new JsonObject { ["startedAt"] = started },
            }, process.Pid)),
        });
        if (prober.HasProbes)
        {
            _probers[uid] = prober;
            prober.Start();
        }

        _ = MonitorAsync(store, process, containerName, image);
    }

    /// <summary>The ports a container declares (<c>ports[].containerPort</c>, as <c>PORT/PROTOCOL</c>): on this one node
    /// with the host's network they are host ports.</summary>
    private static IReadOnlySet<string> HostPorts(JsonObject? container) =>
        (container?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => JsonValues.Long(p["containerPort"]) is > 0)
            .Select(p => $"{JsonValues.Long(p["containerPort"])}/{JsonValues.String(p["protocol"]) ?? "TCP"}")
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The first of <paramref name="ports"/> that a process of another pod holds, or null.</summary>
    private string? PortsInUse(string uid, IReadOnlySet<string> ports) =>
        ports.Count == 0 ? null : _hostPorts.Where(h => h.Key != uid && _processes.ContainsKey(h.Key))
            .SelectMany(h => h.Value).FirstOrDefault(ports.Contains);

    /// <summary>Writes a running container's <c>started</c>/<c>ready</c> and the pod's <c>ContainersReady</c>/<c>Ready</c>
    /// conditions (their <c>lastTransitionTime</c> only when they flip); nothing once the pod has ended.</summary>
    private static void WriteProbeStatus(ClusterStore store, string ns, string name, string uid, bool started, bool ready)
    {
        try
        {
            store.Patch(store.Type("", "pods"), ns, name, current =>
            {
                if (JsonValues.String(current["metadata"]?["uid"]) != uid || JsonValues.String(current["status"]?["phase"]) != "Running")
                {
                    return current;
                }

                var value = ready ? "True" : "False";
                foreach (var condition in (current["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (JsonValues.String(condition["type"]) is "Ready" or "ContainersReady" && JsonValues.String(condition["status"]) != value)
                    {
                        condition["status"] = value;
                        condition["lastTransitionTime"] = Timestamp(DateTimeOffset.UtcNow);
                    }
                }

                if (current["status"]?["containerStatuses"]?[0] is JsonObject container)
                {
                    container["ready"] = ready;
                    container["started"] = started;
                }

                return current;
            }, status: true, options: WriteOptions.By("kubelet"));
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
            // The pod was deleted meanwhile.
        }
    }

    private static void RecordPodEvent(ClusterStore store, JsonObject pod, string reason, string message) =>
        Controllers.Workloads.RecordEvent(store, pod, reason, message, warning: reason != "Killing", component: "kubelet");

    private async Task MonitorAsync(ClusterStore store, PodProcess process, string containerName, string image)
    {
        await process.Exited.ConfigureAwait(false);
        process.Signal(PodSignal.SIGKILL); // The container ends with its main process: take the rest of the group down.
        var exitCode = process.ExitCode;
        if (_probers.TryRemove(process.Uid, out var prober))
        {
            await prober.DisposeAsync().ConfigureAwait(false);
        }

        _finished[process.Uid] = 1;
        _processes.TryRemove(process.Uid, out _);
        _hostPorts.TryRemove(process.Uid, out _);
        var started = Timestamp(process.StartedAt);
        WritePodStatus(store, process.Namespace, process.Name, new JsonObject
        {
            ["phase"] = exitCode == 0 ? "Succeeded" : "Failed",
            ["conditions"] = Conditions(false),
            ["hostIP"] = "127.0.0.1",
            ["podIP"] = "127.0.0.1",
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["startTime"] = started,
            ["containerStatuses"] = new JsonArray(ContainerStatus(containerName, image, false, false, new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = exitCode,
                    ["reason"] = exitCode == 0 ? "Completed" : "Error",
                    ["startedAt"] = started,
                    ["finishedAt"] = Timestamp(DateTimeOffset.UtcNow),
                    ["containerID"] = $"process://{process.Pid}",
                },
            }, process.Pid)),
        }, process.Uid);
        process.Dispose();
        Wake();
    }

    private void StopPod(string uid)
    {
        if (_processes.TryGetValue(uid, out var process) && !process.Stopping)
        {
            _stops.Add(process.StopAsync(process.Plan.GracePeriod));
        }
    }

    private static void WritePodStatus(ClusterStore store, string ns, string name, JsonObject status, string? uid = null)
    {
        try
        {
            var pods = store.Type("", "pods");
            store.Patch(pods, ns, name, current =>
            {
                if (uid is not null && JsonValues.String(current["metadata"]?["uid"]) != uid)
                {
                    throw new StatusException(404, "NotFound", "the pod was replaced");
                }

                current["status"] = status;
                return current;
            }, status: true, options: WriteOptions.By("kubelet"));
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
            // The pod was deleted meanwhile.
        }
    }

    private static JsonArray Conditions(bool ready)
    {
        var now = Timestamp(DateTimeOffset.UtcNow);
        var value = ready ? "True" : "False";
        return new JsonArray(
            new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastTransitionTime"] = now },
            new JsonObject { ["type"] = "Initialized", ["status"] = "True", ["lastTransitionTime"] = now },
            new JsonObject { ["type"] = "ContainersReady", ["status"] = value, ["lastTransitionTime"] = now },
            new JsonObject { ["type"] = "Ready", ["status"] = value, ["lastTransitionTime"] = now });
    }

    private static JsonObject ContainerStatus(string name, string image, bool ready, bool started, JsonObject state, int? pid)
    {
        var status = new JsonObject
        {
            ["name"] = name,
            ["image"] = image,
            ["imageID"] = "",
            ["ready"] = ready,
            ["started"] = started,
            ["restartCount"] = 0,
            ["state"] = state,
        };
        if (pid is { } id)
        {
            status["containerID"] = $"process://{id}";
        }

        return status;
    }

    internal static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Stops the loop and kills every pod's process group (SIGKILL), waiting (bounded) for them to exit; deletes
    /// the work directory when the kubelet made it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        foreach (var prober in _probers.Values)
        {
            await prober.DisposeAsync().ConfigureAwait(false);
        }

        var processes = _processes.Values.ToList();
        await Task.WhenAll(processes.Select(p => p.StopAsync(TimeSpan.Zero))).ConfigureAwait(false);
        await Task.WhenAll(_stops.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (_ownsWorkDirectory)
        {
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }
}
