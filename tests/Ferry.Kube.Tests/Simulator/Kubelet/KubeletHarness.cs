using System.Text.Json.Nodes;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Storage;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>A simulator with a <see cref="ProcessKubelet"/> and a fresh volumes directory, plus builders and polling.</summary>
internal sealed class KubeletHarness : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private KubeletHarness(ClusterSimulator sim, ProcessKubelet kubelet, DirectoryInfo volumes)
    {
        Sim = sim;
        Kubelet = kubelet;
        Volumes = volumes;
    }

    public ClusterSimulator Sim { get; }

    public ProcessKubelet Kubelet { get; }

    public DirectoryInfo Volumes { get; }

    public ClusterStore Store => Sim.Store;

    public static async Task<KubeletHarness> StartAsync(bool https = false)
    {
        DirectoryInfo volumes = Directory.CreateTempSubdirectory("kubelet-volumes-");
        var kubelet = new ProcessKubelet(new ProcessKubeletOptions { VolumesDirectory = volumes.FullName, DefaultGracePeriod = TimeSpan.FromSeconds(2) });
        ClusterSimulator sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Kubelet = kubelet, UseHttps = https });
        return new KubeletHarness(sim, kubelet, volumes);
    }

    /// <summary>A batch/v1 Job running <c>/bin/sh -c SCRIPT</c> with restartPolicy Never; <paramref name="extra"/> is
    /// merged into the Job's spec, <paramref name="container"/> into the container, <paramref name="pod"/> into the pod spec.</summary>
    public static JsonObject Job(string name, string script, JsonObject? extra = null, JsonObject? container = null, JsonObject? pod = null)
    {
        var containerSpec = new JsonObject
        {
            ["name"] = "main",
            ["image"] = "busybox",
            ["command"] = new JsonArray("/bin/sh", "-c", script),
        };
        Merge(containerSpec, container);
        var podSpec = new JsonObject
        {
            ["restartPolicy"] = "Never",
            ["containers"] = new JsonArray(containerSpec),
        };
        Merge(podSpec, pod);
        var spec = new JsonObject
        {
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "test" } }, ["spec"] = podSpec },
        };
        Merge(spec, extra);
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = spec,
        };
    }

    private static void Merge(JsonObject target, JsonObject? extra)
    {
        foreach ((string? key, JsonNode? value) in extra ?? [])
        {
            target[key] = value?.DeepClone();
        }
    }

    public JsonObject CreateJob(JsonObject job) => Store.Create(Store.Type("batch", "jobs"), "v1", "default", job);

    public void CreateYaml(string yaml) => Store.CreateFromYaml(yaml);

    public JsonObject GetJob(string name) => Store.Get(Store.Type("batch", "jobs"), "default", name);

    public IReadOnlyList<JsonObject> PodsOf(string job) =>
        Store.List(Store.Type("", "pods"), "default", ListOptions.All).Items
            .Where(p => (string?)p["metadata"]?["labels"]?["job-name"] == job)
            .ToList();

    public static string? Phase(JsonObject pod) => (string?)pod["status"]?["phase"];

    public static string? Condition(JsonObject job, string type) =>
        (job["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(c => (string?)c["type"] == type && (string?)c["status"] == "True")
            .Select(c => (string?)c["reason"] ?? "")
            .FirstOrDefault();

    public static long Count(JsonObject job, string field) => job["status"]?[field]?.GetValue<long>() ?? 0;

    /// <summary>Polls (every 50 ms, up to 30 s) until <paramref name="probe"/> returns non-null; fails with
    /// <paramref name="what"/> and the last job/pod state otherwise.</summary>
    public async Task<T> WaitAsync<T>(string what, Func<T?> probe)
        where T : class
    {
        DateTime until = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > until)
            {
                IEnumerable<string> jobs = Store.List(Store.Type("batch", "jobs"), null, ListOptions.All).Items.Select(j => j.ToJsonString());
                IEnumerable<string> pods = Store.List(Store.Type("", "pods"), null, ListOptions.All).Items.Select(p => $"{p["metadata"]?["name"]}: {p["status"]?.ToJsonString()}");
                Assert.Fail($"timed out waiting for {what}\njobs: {string.Join('\n', jobs)}\npods: {string.Join('\n', pods)}");
            }

            await Task.Delay(50);
        }
    }

    public Task<JsonObject> WaitForJobConditionAsync(string job, string type) =>
        WaitAsync($"job {job} {type}", () => Condition(GetJob(job), type) is not null ? GetJob(job) : null);

    public async ValueTask DisposeAsync()
    {
        await Sim.DisposeAsync();
        Volumes.Delete(recursive: true);
    }
}
