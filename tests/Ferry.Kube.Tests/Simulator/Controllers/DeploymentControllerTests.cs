using System.Text.Json.Nodes;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Storage;
using Ferry.Kube.Tests.Simulator.Kubelet;
using static Ferry.Kube.Tests.Simulator.Controllers.WorkloadFixtures;

namespace Ferry.Kube.Tests.Simulator.Controllers;

/// <summary>The simulator's Deployment controller with the process kubelet: ReplicaSets per pod template, rollouts,
/// readiness from the pods' probes, status and garbage collection.</summary>
public sealed class DeploymentControllerTests
{
    [Fact]
    public async Task Create_OneReplicaSetPerTemplate_PodsRunAndTheStatusCountsThemReady()
    {
        await using var h = await KubeletHarness.StartAsync();
        var created = h.Store.Create(h.Store.Type("apps", "deployments"), "v1", "default", Deployment("web", 2, Template("web")));

        var deployment = await h.WaitAsync("2 ready replicas", () => Get(h, "web") is { } d && Status(d, "readyReplicas") == 2 ? d : null);
        var rs = Assert.Single(List(h, "apps", "replicasets"));
        var hash = (string)rs["metadata"]!["labels"]!["pod-template-hash"]!;
        Assert.Equal($"web-{hash}", (string?)rs["metadata"]!["name"]);
        Assert.Equal((string?)created["metadata"]!["uid"], (string?)rs["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.True((bool?)rs["metadata"]!["ownerReferences"]![0]!["controller"]);
        Assert.Equal(hash, (string?)rs["spec"]!["selector"]!["matchLabels"]!["pod-template-hash"]);
        var pods = ActivePods(h, "web");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal((string?)rs["metadata"]!["name"], OwnerName(p)));
        Assert.All(pods, p => Assert.Equal(hash, (string?)p["metadata"]!["labels"]!["pod-template-hash"]));
        Assert.All(pods, p => Assert.NotNull(h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)));
        Assert.Equal((2L, 2L, 2L, 2L), (Status(deployment, "replicas"), Status(deployment, "updatedReplicas"), Status(deployment, "readyReplicas"), Status(deployment, "availableReplicas")));
        Assert.Equal("True", ConditionStatus(deployment, "Available"));
        Assert.Equal("NewReplicaSetAvailable", (string?)Condition(deployment, "Progressing")?["reason"]);
        Assert.Equal("1", (string?)deployment["metadata"]!["annotations"]?["deployment.kubernetes.io/revision"]);
    }

    [Theory]
    [InlineData("RollingUpdate")]
    [InlineData("Recreate")]
    public async Task TemplateChange_RollsOutANewReplicaSetAndScalesTheOldOneToZero(string strategy)
    {
        await using var h = await KubeletHarness.StartAsync();
        h.Store.Create(h.Store.Type("apps", "deployments"), "v1", "default", Deployment("web", 2, Template("web", "v1"), new JsonObject { ["type"] = strategy }));
        await h.WaitAsync("2 ready replicas", () => Get(h, "web") is { } d && Status(d, "readyReplicas") == 2 ? d : null);
        var oldRs = (string)Assert.Single(List(h, "apps", "replicasets"))["metadata"]!["name"]!;
        var oldPids = ActivePods(h, "web").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)!.Value).ToList();

        h.Store.Patch(h.Store.Type("apps", "deployments"), "default", "web", d =>
        {
            d["spec"]!["template"] = Template("web", "v2");
            return d;
        });

        var done = await h.WaitAsync("the rollout complete", () => Get(h, "web") is { } d && (string?)d["metadata"]!["annotations"]?["deployment.kubernetes.io/revision"] == "2"
            && Status(d, "updatedReplicas") == 2 && Status(d, "readyReplicas") == 2 && Status(d, "replicas") == 2 ? d : null);
        var replicaSets = List(h, "apps", "replicasets");
        Assert.Equal(2, replicaSets.Count);
        var old = replicaSets.Single(r => (string?)r["metadata"]!["name"] == oldRs);
        var current = replicaSets.Single(r => (string?)r["metadata"]!["name"] != oldRs);
        Assert.Equal(0L, (long?)old["spec"]!["replicas"]);
        Assert.Equal(2L, (long?)current["spec"]!["replicas"]);
        Assert.Equal("2", (string?)current["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]);
        Assert.All(ActivePods(h, "web"), p => Assert.Equal((string?)current["metadata"]!["name"], OwnerName(p)));
        await h.WaitAsync("the old processes gone", () => oldPids.Any(NativeSignals.IsAlive) ? null : oldPids);
        Assert.Equal("NewReplicaSetAvailable", (string?)Condition(done, "Progressing")?["reason"]);
    }

    [Fact]
    public async Task ReadinessProbe_UntilItPasses_NoReplicaReadyAndTheDeploymentUnavailable()
    {
        await using var h = await KubeletHarness.StartAsync();
        await using var endpoint = new ProbeEndpoint(503);
        var container = new JsonObject
        {
            ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/readyz", ["port"] = endpoint.Port }, ["periodSeconds"] = 1 },
        };
        h.Store.Create(h.Store.Type("apps", "deployments"), "v1", "default", Deployment("gated", 1, Template("gated", container: container)));

        var unready = await h.WaitAsync("a running, probed pod", () => ActivePods(h, "gated").FirstOrDefault(p => (string?)p["status"]?["phase"] == "Running") is not null
            && endpoint.Requests.Count >= 2 && Get(h, "gated") is { } d && Status(d, "replicas") == 1 ? d : null);
        Assert.Equal(0L, Status(unready, "readyReplicas"));
        Assert.Equal(0L, Status(unready, "availableReplicas"));
        Assert.Equal(1L, Status(unready, "unavailableReplicas"));
        Assert.Equal("False", ConditionStatus(unready, "Available"));

        endpoint.StatusCode = 200;
        var ready = await h.WaitAsync("ready", () => Get(h, "gated") is { } d && Status(d, "readyReplicas") == 1 ? d : null);
        Assert.Equal("True", ConditionStatus(ready, "Available"));
        Assert.Equal(1L, Status(Assert.Single(List(h, "apps", "replicasets")), "readyReplicas"));
    }

    [Fact]
    public async Task Delete_ReplicaSetsPodsAndTheirProcessesAreCollected()
    {
        await using var h = await KubeletHarness.StartAsync();
        h.Store.Create(h.Store.Type("apps", "deployments"), "v1", "default", Deployment("web", 2, Template("web")));
        await h.WaitAsync("2 ready replicas", () => Get(h, "web") is { } d && Status(d, "readyReplicas") == 2 ? d : null);
        var pids = ActivePods(h, "web").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)!.Value).ToList();

        h.Store.Delete(h.Store.Type("apps", "deployments"), "default", "web", new DeleteOptions());

        Assert.Empty(List(h, "apps", "replicasets"));
        Assert.Empty(List(h, "", "pods"));
        await h.WaitAsync("the processes gone", () => pids.Any(NativeSignals.IsAlive) ? null : pids);
    }

    private static JsonObject? Get(KubeletHarness h, string name) =>
        List(h, "apps", "deployments").FirstOrDefault(d => (string?)d["metadata"]!["name"] == name);

    private static JsonObject? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    private static string? ConditionStatus(JsonObject obj, string type) => (string?)Condition(obj, type)?["status"];
}
