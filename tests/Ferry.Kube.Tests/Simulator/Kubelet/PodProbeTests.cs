using System.Text.Json.Nodes;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Storage;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>The process kubelet's probes (readiness, liveness, startup; httpGet and tcpSocket) and its host ports: what
/// <c>status.readyReplicas</c> and a rolling update rest on.</summary>
public sealed class PodProbeTests
{
    [Fact]
    public async Task ReadinessProbe_HttpGet_NotReadyUntilTheEndpointAnswers2xxAndUnreadyAgainAfterFailureThreshold()
    {
        await using var h = await KubeletHarness.StartAsync();
        await using var endpoint = new ProbeEndpoint(503);
        CreatePod(h, "web", endpoint.Port, new JsonObject
        {
            ["readinessProbe"] = new JsonObject
            {
                ["httpGet"] = new JsonObject { ["path"] = "/readyz", ["port"] = "http" },
                ["periodSeconds"] = 1,
                ["failureThreshold"] = 2,
            },
        });

        var running = await h.WaitAsync("running, probed and refused", () => GetPod(h, "web") is { } p && KubeletHarness.Phase(p) == "Running" && endpoint.Requests.Count >= 1 ? p : null);
        Assert.Equal("False", Condition(running, "Ready"));
        Assert.Equal("False", Condition(running, "ContainersReady"));
        Assert.False((bool?)running["status"]!["containerStatuses"]![0]!["ready"]);
        Assert.True((bool?)running["status"]!["containerStatuses"]![0]!["started"]);
        Assert.StartsWith("GET /readyz HTTP/1.1 | kube-probe/", endpoint.Requests[0], StringComparison.Ordinal);
        var unhealthy = await h.WaitAsync("an Unhealthy event", () => Events(h, "web").FirstOrDefault(e => (string?)e["reason"] == "Unhealthy"));
        Assert.Equal("Readiness probe failed: HTTP probe failed with statuscode: 503", (string?)unhealthy["message"]);
        Assert.Equal("Warning", (string?)unhealthy["type"]);

        endpoint.StatusCode = 200;
        var ready = await h.WaitAsync("ready", () => GetPod(h, "web") is { } p && Condition(p, "Ready") == "True" ? p : null);
        Assert.True((bool?)ready["status"]!["containerStatuses"]![0]!["ready"]);
        Assert.Equal("Running", KubeletHarness.Phase(ready));

        endpoint.StatusCode = 500;
        await h.WaitAsync("unready again", () => GetPod(h, "web") is { } p && Condition(p, "Ready") == "False" ? p : null);
        Assert.Equal("Running", KubeletHarness.Phase(GetPod(h, "web")!));
    }

    [Fact]
    public async Task LivenessProbe_TcpSocketRefused_ContainerKilledAfterFailureThresholdAndThePodFails()
    {
        await using var h = await KubeletHarness.StartAsync();
        var closed = FreePort();

        CreatePod(h, "sick", closed, new JsonObject
        {
            ["livenessProbe"] = new JsonObject { ["tcpSocket"] = new JsonObject { ["port"] = closed }, ["periodSeconds"] = 1, ["failureThreshold"] = 2 },
        });

        var failed = await h.WaitAsync("the pod Failed", () => GetPod(h, "sick") is { } p && KubeletHarness.Phase(p) == "Failed" ? p : null);
        Assert.Equal(143, (int?)failed["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]); // SIGTERM
        var events = Events(h, "sick");
        Assert.Contains(events, e => (string?)e["reason"] == "Unhealthy" && (string?)e["message"] == $"Liveness probe failed: dial tcp 127.0.0.1:{closed}: connect: connection refused");
        Assert.Contains(events, e => (string?)e["reason"] == "Killing" && ((string?)e["message"])!.StartsWith("Container main failed liveness probe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartupProbe_UntilItSucceeds_NotStartedNotReadyAndNoLivenessProbe()
    {
        await using var h = await KubeletHarness.StartAsync();
        await using var startup = new ProbeEndpoint(503);
        await using var liveness = new ProbeEndpoint(200);
        CreatePod(h, "slow", startup.Port, new JsonObject
        {
            ["startupProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/started", ["port"] = startup.Port }, ["periodSeconds"] = 1, ["failureThreshold"] = 30 },
            ["livenessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = liveness.Port }, ["periodSeconds"] = 1 },
        });

        var starting = await h.WaitAsync("probed twice", () => GetPod(h, "slow") is { } p && KubeletHarness.Phase(p) == "Running" && startup.Requests.Count >= 2 ? p : null);
        Assert.False((bool?)starting["status"]!["containerStatuses"]![0]!["started"]);
        Assert.Equal("False", Condition(starting, "Ready"));
        Assert.Empty(liveness.Requests);

        startup.StatusCode = 204;
        var started = await h.WaitAsync("started and ready", () => GetPod(h, "slow") is { } p && Condition(p, "Ready") == "True" ? p : null);
        Assert.True((bool?)started["status"]!["containerStatuses"]![0]!["started"]);
        await h.WaitAsync("the liveness probe running", () => liveness.Requests.Count > 0 ? liveness : null);
    }

    [Fact]
    public async Task HostPort_HeldByAnotherPodsProcess_PodPendingUnschedulableUntilThatProcessExits()
    {
        await using var h = await KubeletHarness.StartAsync();
        var port = FreePort();
        CreatePod(h, "first", port, new JsonObject(), grace: 1);
        await h.WaitAsync("first running", () => h.Kubelet.GetProcessId("first") is { } pid ? (object)pid : null);

        CreatePod(h, "second", port, new JsonObject());
        var pending = await h.WaitAsync("second Unschedulable", () => GetPod(h, "second") is { } p && Condition(p, "PodScheduled") == "False" ? p : null);
        Assert.Equal("Pending", KubeletHarness.Phase(pending));
        var scheduled = pending["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "PodScheduled")!;
        Assert.Equal("Unschedulable", (string?)scheduled["reason"]);
        Assert.StartsWith("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports", (string?)scheduled["message"], StringComparison.Ordinal);
        Assert.Null(h.Kubelet.GetProcessId("second"));

        var firstPid = h.Kubelet.GetProcessId("first")!.Value;
        h.Store.Delete(h.Store.Type("", "pods"), "default", "first", new DeleteOptions());
        await h.WaitAsync("second running", () => h.Kubelet.GetProcessId("second") is { } pid ? (object)pid : null);
        Assert.False(NativeSignals.IsAlive(firstPid));
    }

    private static void CreatePod(KubeletHarness h, string name, int port, JsonObject container, int grace = 2)
    {
        var spec = new JsonObject
        {
            ["name"] = "main",
            ["image"] = "busybox",
            ["command"] = new JsonArray("/bin/sh", "-c", "sleep 60"),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = port }),
        };
        foreach (var (key, value) in container)
        {
            spec[key] = value?.DeepClone();
        }

        h.Store.Create(h.Store.Type("", "pods"), "v1", "default", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["restartPolicy"] = "Never", ["terminationGracePeriodSeconds"] = grace, ["containers"] = new JsonArray(spec) },
        });
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static JsonObject? GetPod(KubeletHarness h, string name) =>
        h.Store.List(h.Store.Type("", "pods"), "default", ListOptions.All).Items.FirstOrDefault(p => (string?)p["metadata"]!["name"] == name);

    private static string? Condition(JsonObject pod, string type) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Where(c => (string?)c["type"] == type).Select(c => (string?)c["status"]).FirstOrDefault();

    private static List<JsonObject> Events(KubeletHarness h, string pod) =>
        [.. h.Store.List(h.Store.Type("", "events"), "default", ListOptions.All).Items.Where(e => (string?)e["involvedObject"]?["name"] == pod)];
}
