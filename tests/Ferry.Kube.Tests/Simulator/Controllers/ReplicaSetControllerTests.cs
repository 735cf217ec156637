using System.Text.Json.Nodes;
using Ferry.ClusterSim.Storage;
using Ferry.Kube.Tests.Simulator.Kubelet;
using static Ferry.Kube.Tests.Simulator.Controllers.WorkloadFixtures;

namespace Ferry.Kube.Tests.Simulator.Controllers;

/// <summary>The simulator's ReplicaSet controller with the process kubelet: pods from the template, replaced when deleted
/// or ended, surplus removed on scale-down.</summary>
public sealed class ReplicaSetControllerTests
{
    [Fact]
    public async Task Pods_DeletedOrEnded_AreReplacedAndScaleDownRemovesTheSurplus()
    {
        await using var h = await KubeletHarness.StartAsync();
        var template = Template("batch", container: new JsonObject { ["command"] = new JsonArray("/bin/sh", "-c", "sleep 300") });
        h.Store.Create(h.Store.Type("apps", "replicasets"), "v1", "default", new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject { ["name"] = "batch", ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["replicas"] = 3, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "batch" } }, ["template"] = template },
        });
        var first = await h.WaitAsync("3 running pods", () => ActivePods(h, "batch") is { Count: 3 } pods && pods.All(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!) is not null) ? pods : null);
        Assert.All(first, p => Assert.StartsWith("batch-", (string?)p["metadata"]!["name"], StringComparison.Ordinal));
        Assert.All(first, p => Assert.Equal("batch", OwnerName(p)));

        var deleted = (string)first[0]["metadata"]!["name"]!;
        h.Store.Delete(h.Store.Type("", "pods"), "default", deleted, new DeleteOptions());
        var killed = (string)first[1]["metadata"]!["name"]!;
        h.Kubelet.KillPod(killed);
        var replaced = await h.WaitAsync("3 running pods again", () => ActivePods(h, "batch") is { Count: 3 } pods
            && pods.All(p => (string?)p["metadata"]!["name"] != deleted && (string?)p["metadata"]!["name"] != killed) ? pods : null);
        Assert.Contains(replaced, p => (string?)p["metadata"]!["name"] == (string?)first[2]["metadata"]!["name"]);
        var rs = await h.WaitAsync("status 3 ready", () => List(h, "apps", "replicasets").Single() is { } r && Status(r, "readyReplicas") == 3 && Status(r, "replicas") == 3 ? r : null);
        Assert.Equal(1L, (long?)rs["status"]!["observedGeneration"]);

        h.Store.Patch(h.Store.Type("apps", "replicasets"), "default", "batch", r =>
        {
            r["spec"]!["replicas"] = 1;
            return r;
        });
        await h.WaitAsync("1 pod", () => ActivePods(h, "batch") is { Count: 1 } pods ? pods : null);
        await h.WaitAsync("status 1 replica", () => List(h, "apps", "replicasets").Single() is { } r && Status(r, "replicas") == 1 ? r : null);
    }
}
