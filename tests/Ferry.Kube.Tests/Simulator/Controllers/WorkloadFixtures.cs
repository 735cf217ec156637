using System.Text.Json.Nodes;
using Ferry.ClusterSim.Storage;
using Ferry.Kube.Tests.Simulator.Kubelet;

namespace Ferry.Kube.Tests.Simulator.Controllers;

/// <summary>Deployments, ReplicaSets and their pods for the workload controller tests (containers are <c>sleep</c>
/// processes run by the process kubelet).</summary>
internal static class WorkloadFixtures
{
    /// <summary>A pod template labelled <c>app=APP</c> whose container runs <c>sleep 300</c> with <paramref name="args"/>
    /// as its (ignored) extra arguments, so that changing them changes the template.</summary>
    public static JsonObject Template(string app, string args = "", JsonObject? container = null)
    {
        var spec = new JsonObject
        {
            ["name"] = "main",
            ["image"] = "busybox",
            ["command"] = new JsonArray("/bin/sh", "-c", "sleep 300", "sh", args),
        };
        foreach (var (key, value) in container ?? [])
        {
            spec[key] = value?.DeepClone();
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
            ["spec"] = new JsonObject { ["terminationGracePeriodSeconds"] = 1, ["containers"] = new JsonArray(spec) },
        };
    }

    public static JsonObject Deployment(string name, int replicas, JsonObject template, JsonObject? strategy = null)
    {
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = template["metadata"]!["labels"]!.DeepClone() },
            ["template"] = template,
        };
        if (strategy is not null)
        {
            spec["strategy"] = strategy;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = spec,
        };
    }

    public static List<JsonObject> List(KubeletHarness h, string group, string plural) =>
        [.. h.Store.List(h.Store.Type(group, plural), "default", ListOptions.All).Items];

    public static List<JsonObject> ActivePods(KubeletHarness h, string app) =>
        [.. List(h, "", "pods").Where(p => (string?)p["metadata"]!["labels"]?["app"] == app && (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed"))];

    public static long Status(JsonObject obj, string field) => (long?)obj["status"]?[field] ?? 0;

    public static string? OwnerName(JsonObject obj) => (string?)obj["metadata"]!["ownerReferences"]?[0]?["name"];
}
