using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Controllers;

/// <summary>The Deployment controller (<c>apps/v1</c>): one ReplicaSet per pod template (named
/// <c>DEPLOYMENT-HASH</c>, its Pods labelled <c>pod-template-hash</c>), rolled out by the <c>RollingUpdate</c> strategy
/// (<c>maxSurge</c>/<c>maxUnavailable</c>, default 25 % rounded up and down) or <c>Recreate</c>; status with
/// <c>replicas</c>, <c>updatedReplicas</c>, <c>readyReplicas</c>, <c>availableReplicas</c>, <c>unavailableReplicas</c>,
/// <c>observedGeneration</c> and the <c>Available</c> and <c>Progressing</c> conditions that <c>kubectl rollout status</c>
/// and Helm's readiness checks read.</summary>
/// <remarks>Kubernetes "Deployments". Revisions are recorded in the <c>deployment.kubernetes.io/revision</c> annotation;
/// old ReplicaSets beyond <c>revisionHistoryLimit</c> (default 10) are deleted once scaled to zero. Not modelled:
/// <c>paused</c>, <c>progressDeadlineSeconds</c>, <c>minReadySeconds</c>, rollback.</remarks>
internal static class DeploymentController
{
    public const string TemplateHashLabel = "pod-template-hash";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public static void Reconcile(ClusterStore store)
    {
        var deployments = store.List(store.Type("apps", "deployments"), null, ListOptions.All).Items;
        if (deployments.Count == 0)
        {
            return;
        }

        var replicaSets = store.List(store.Type("apps", "replicasets"), null, ListOptions.All).Items;
        foreach (var deployment in deployments.Where(d => d["metadata"]?["deletionTimestamp"] is null))
        {
            var uid = JsonValues.String(deployment["metadata"]?["uid"]);
            var owned = replicaSets.Where(rs => Workloads.ControllerUid(rs) == uid).ToList();
            Reconcile(store, deployment, owned);
        }
    }

    private static void Reconcile(ClusterStore store, JsonObject deployment, List<JsonObject> owned)
    {
        var ns = JsonValues.String(deployment["metadata"]?["namespace"]);
        var name = JsonValues.String(deployment["metadata"]?["name"])!;
        var spec = deployment["spec"] as JsonObject ?? [];
        var desired = (int)(JsonValues.Long(spec["replicas"]) ?? 1);
        var hash = TemplateHash(spec["template"]);
        var newName = $"{name}-{hash}";
        var newRs = owned.FirstOrDefault(rs => JsonValues.String(rs["metadata"]?["name"]) == newName);
        var old = owned.Where(rs => !ReferenceEquals(rs, newRs)).ToList();
        if (newRs is null)
        {
            var revision = owned.Select(Revision).DefaultIfEmpty(0).Max() + 1;
            try
            {
                newRs = store.Create(store.Type("apps", "replicasets"), "v1", ns, NewReplicaSet(deployment, newName, hash, revision), WriteOptions.By(Workloads.ControllerManager));
            }
            catch (StatusException e) when (e.Code == 409)
            {
                return;
            }
        }

        var strategy = spec["strategy"] as JsonObject ?? [];
        var recreate = JsonValues.String(strategy["type"]) == "Recreate";
        var surge = recreate ? 0 : Scaled(strategy["rollingUpdate"]?["maxSurge"], desired, roundUp: true);
        var unavailable = recreate ? desired : Scaled(strategy["rollingUpdate"]?["maxUnavailable"], desired, roundUp: false);
        if (!recreate && surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        int Spec(JsonObject rs) => (int)(JsonValues.Long(rs["spec"]?["replicas"]) ?? 0);
        int Ready(JsonObject rs) => (int)(JsonValues.Long(rs["status"]?["availableReplicas"]) ?? 0);
        int Current(JsonObject rs) => (int)(JsonValues.Long(rs["status"]?["replicas"]) ?? 0);

        if (recreate)
        {
            foreach (var rs in old.Where(rs => Spec(rs) > 0))
            {
                Scale(store, rs, 0);
            }

            if (old.All(rs => Current(rs) == 0) && Spec(newRs) != desired)
            {
                Scale(store, newRs, desired);
            }
        }
        else
        {
            var total = owned.Sum(Spec) + (owned.Contains(newRs) ? 0 : Spec(newRs));
            if (Spec(newRs) < desired && total < desired + surge)
            {
                Scale(store, newRs, Math.Min(desired, Spec(newRs) + (desired + surge - total)));
            }
            else if (Spec(newRs) > desired)
            {
                Scale(store, newRs, desired);
            }

            var available = Ready(newRs) + old.Sum(Ready);
            var removable = available - (desired - unavailable);
            foreach (var rs in old.Where(rs => Spec(rs) > 0))
            {
                var unready = Math.Max(0, Spec(rs) - Ready(rs));
                var cut = Math.Min(Spec(rs), unready + Math.Max(0, removable));
                removable -= Math.Max(0, cut - unready);
                if (cut > 0)
                {
                    Scale(store, rs, Spec(rs) - cut);
                }
            }
        }

        var limit = (int)(JsonValues.Long(spec["revisionHistoryLimit"]) ?? 10);
        foreach (var stale in old.Where(rs => Spec(rs) == 0 && Current(rs) == 0).OrderByDescending(Revision).Skip(limit).ToList())
        {
            try
            {
                store.Delete(store.Type("apps", "replicasets"), ns, JsonValues.String(stale["metadata"]?["name"])!, new DeleteOptions());
            }
            catch (StatusException e) when (e.Code == 404)
            {
            }
        }

        WriteStatus(store, deployment, newRs, old, desired, unavailable);
    }

    private static void WriteStatus(ClusterStore store, JsonObject deployment, JsonObject newRs, List<JsonObject> old, int desired, int maxUnavailable)
    {
        long Field(JsonObject rs, string field) => JsonValues.Long(rs["status"]?[field]) ?? 0;
        var all = old.Append(newRs).ToList();
        var replicas = all.Sum(rs => Field(rs, "replicas"));
        var updated = Field(newRs, "replicas");
        var ready = all.Sum(rs => Field(rs, "readyReplicas"));
        var available = all.Sum(rs => Field(rs, "availableReplicas"));
        var newName = JsonValues.String(newRs["metadata"]?["name"]);
        var complete = updated == desired && replicas == desired && Field(newRs, "availableReplicas") == desired;
        var minimum = available >= desired - maxUnavailable;
        var now = Workloads.Now();
        var status = new JsonObject
        {
            ["observedGeneration"] = JsonValues.Long(deployment["metadata"]?["generation"]) ?? 1,
            ["replicas"] = replicas,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = available,
            ["conditions"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Available",
                    ["status"] = minimum ? "True" : "False",
                    ["reason"] = minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    ["message"] = minimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                    ["lastUpdateTime"] = now,
                    ["lastTransitionTime"] = now,
                },
                new JsonObject
                {
                    ["type"] = "Progressing",
                    ["status"] = "True",
                    ["reason"] = complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    ["message"] = complete ? $"ReplicaSet \"{newName}\" has successfully progressed." : $"ReplicaSet \"{newName}\" is progressing.",
                    ["lastUpdateTime"] = now,
                    ["lastTransitionTime"] = now,
                }),
        };
        if (desired - available > 0)
        {
            status["unavailableReplicas"] = desired - available;
        }

        Workloads.WriteStatus(store, "deployments", deployment, status);
        if (JsonValues.String(deployment["metadata"]?["annotations"]?[RevisionAnnotation]) != Revision(newRs).ToString(CultureInfo.InvariantCulture))
        {
            try
            {
                store.Patch(store.Type("apps", "deployments"), JsonValues.String(deployment["metadata"]?["namespace"]), JsonValues.String(deployment["metadata"]?["name"])!, current =>
                {
                    var annotations = ((current["metadata"]!["annotations"] ??= new JsonObject())).AsObject();
                    annotations[RevisionAnnotation] = Revision(newRs).ToString(CultureInfo.InvariantCulture);
                    return current;
                }, options: WriteOptions.By(Workloads.ControllerManager));
            }
            catch (StatusException e) when (e.Code is 404 or 409)
            {
            }
        }
    }

    private static long Revision(JsonObject rs) =>
        long.TryParse(JsonValues.String(rs["metadata"]?["annotations"]?[RevisionAnnotation]), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    private static void Scale(ClusterStore store, JsonObject rs, int replicas)
    {
        try
        {
            store.Patch(store.Type("apps", "replicasets"), JsonValues.String(rs["metadata"]?["namespace"]), JsonValues.String(rs["metadata"]?["name"])!, current =>
            {
                current["spec"]!["replicas"] = replicas;
                return current;
            }, options: WriteOptions.By(Workloads.ControllerManager));
            rs["spec"]!["replicas"] = replicas;
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
        }
    }

    /// <summary>A percentage (of <paramref name="desired"/>, rounded as asked) or an absolute number; default 25 %.</summary>
    private static int Scaled(JsonNode? value, int desired, bool roundUp)
    {
        if (JsonValues.Long(value) is { } absolute)
        {
            return (int)absolute;
        }

        var text = JsonValues.String(value) ?? "25%";
        var percent = double.Parse(text.TrimEnd('%'), CultureInfo.InvariantCulture) / 100 * desired;
        return (int)(roundUp ? Math.Ceiling(percent) : Math.Floor(percent));
    }

    /// <summary>A stable short hash of the pod template, spelled with the safe alphabet Kubernetes uses for generated names.</summary>
    internal static string TemplateHash(JsonNode? template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(template?.ToJsonString() ?? "null"));
        var chars = new char[10];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[bytes[i] % alphabet.Length];
        }

        return new string(chars);
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, string name, string hash, long revision)
    {
        var spec = deployment["spec"] as JsonObject ?? [];
        var template = spec["template"]?.DeepClone() as JsonObject ?? [];
        var templateMeta = (template["metadata"] ??= new JsonObject()).AsObject();
        ((templateMeta["labels"] ??= new JsonObject()).AsObject())[TemplateHashLabel] = hash;
        var selector = spec["selector"]?.DeepClone() as JsonObject ?? [];
        ((selector["matchLabels"] ??= new JsonObject()).AsObject())[TemplateHashLabel] = hash;
        var labels = templateMeta["labels"]!.DeepClone();
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/desired-replicas"] = (JsonValues.Long(spec["replicas"]) ?? 1).ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = "Deployment",
                    ["name"] = deployment["metadata"]?["name"]?.DeepClone(),
                    ["uid"] = deployment["metadata"]?["uid"]?.DeepClone(),
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = new JsonObject { ["replicas"] = 0, ["selector"] = selector, ["template"] = template },
        };
    }
}
