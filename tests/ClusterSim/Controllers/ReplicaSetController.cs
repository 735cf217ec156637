using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Controllers;

/// <summary>The ReplicaSet controller (<c>apps/v1</c>): keeps <c>spec.replicas</c> (default 1) active Pods from the
/// template, each with a controller ownerReference, replacing Pods that are deleted or end; reports
/// <c>status.replicas</c>, <c>readyReplicas</c>, <c>availableReplicas</c>, <c>fullyLabeledReplicas</c> and
/// <c>observedGeneration</c>.</summary>
/// <remarks>Kubernetes "ReplicaSet": active Pods are those not terminating and not Succeeded or Failed; surplus Pods are
/// deleted not-ready first, newest first. A Pod the API refuses (e.g. its ServiceAccount is missing) is retried on the
/// next pass and reported as a <c>FailedCreate</c> Event. <c>minReadySeconds</c> is not modelled: a ready Pod is
/// available.</remarks>
internal static class ReplicaSetController
{
    public static void Reconcile(ClusterStore store)
    {
        var replicaSets = store.List(store.Type("apps", "replicasets"), null, ListOptions.All).Items;
        if (replicaSets.Count == 0)
        {
            return;
        }

        var pods = store.List(store.Type("", "pods"), null, ListOptions.All).Items;
        foreach (var rs in replicaSets)
        {
            if (rs["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            var uid = JsonValues.String(rs["metadata"]?["uid"]);
            var ns = JsonValues.String(rs["metadata"]?["namespace"]);
            var owned = pods.Where(p => Workloads.ControllerUid(p) == uid).ToList();
            var active = owned.Where(IsActive).ToList();
            var desired = (int)(JsonValues.Long(rs["spec"]?["replicas"]) ?? 1);
            for (var i = active.Count; i < desired; i++)
            {
                try
                {
                    active.Add(store.Create(store.Type("", "pods"), "v1", ns, PodFor(rs), WriteOptions.By(Workloads.ControllerManager)));
                }
                catch (StatusException e)
                {
                    Workloads.RecordEvent(store, rs, "FailedCreate", $"Error creating: {e.Message}", warning: true);
                    break;
                }
            }

            foreach (var surplus in active.OrderBy(Workloads.IsReady).ThenByDescending(p => JsonValues.String(p["metadata"]?["creationTimestamp"]), StringComparer.Ordinal).Take(Math.Max(0, active.Count - desired)).ToList())
            {
                Workloads.DeletePod(store, surplus);
                active.Remove(surplus);
            }

            var ready = active.Count(Workloads.IsReady);
            Workloads.WriteStatus(store, "replicasets", rs, new JsonObject
            {
                ["replicas"] = active.Count,
                ["fullyLabeledReplicas"] = active.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["observedGeneration"] = JsonValues.Long(rs["metadata"]?["generation"]) ?? 1,
            });
        }
    }

    private static bool IsActive(JsonObject pod) =>
        pod["metadata"]?["deletionTimestamp"] is null && JsonValues.String(pod["status"]?["phase"]) is not ("Succeeded" or "Failed");

    private static JsonObject PodFor(JsonObject rs)
    {
        var template = rs["spec"]?["template"]?.DeepClone() as JsonObject ?? [];
        var meta = template["metadata"] as JsonObject ?? [];
        template.Remove("metadata");
        var name = JsonValues.String(rs["metadata"]?["name"]) ?? "";
        meta.Remove("name");
        meta["generateName"] = name + "-";
        meta["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["name"] = name,
            ["uid"] = rs["metadata"]?["uid"]?.DeepClone(),
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        });
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = meta, ["spec"] = template["spec"]?.DeepClone() };
    }
}
