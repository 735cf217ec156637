using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>The part of the Kubernetes Job controller (batch/v1) that a work queue needs: Pods from the template,
/// <c>parallelism</c>, <c>completions</c> (unset: the work-queue pattern), <c>backoffLimit</c>,
/// <c>activeDeadlineSeconds</c>, <c>suspend</c>, and <c>status.active/ready/succeeded/failed/startTime/completionTime/
/// conditions</c>.</summary>
/// <remarks>Semantics from the Kubernetes documentation "Jobs": with no <c>completions</c> the Job is Complete once a
/// Pod has succeeded and none is active, and no new Pods are made after a success; with <c>completions</c> N it is
/// Complete after N successes. Failed Pods count against <c>backoffLimit</c> (default 6) and are replaced at once
/// (no exponential back-off delay); a Pod deleted while active counts as failed unless the controller deleted it.
/// Failing (BackoffLimitExceeded, DeadlineExceeded) or suspending deletes the active Pods.</remarks>
internal sealed class JobController(ProcessKubelet kubelet)
{
    private readonly ConcurrentDictionary<string, JobRecord> _records = new(StringComparer.Ordinal);

    public void Reconcile(ClusterStore store)
    {
        var jobs = store.List(store.Type("batch", "jobs"), null, ListOptions.All).Items;
        var pods = store.List(store.Type("", "pods"), null, ListOptions.All).Items;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var uid = JsonValues.String(job["metadata"]?["uid"])!;
            live.Add(uid);
            var owned = pods.Where(p => Owner(p) == uid).ToList();
            if (job["metadata"]?["deletionTimestamp"] is not null)
            {
                DeletePods(store, owned, _records.GetOrAdd(uid, _ => new JobRecord()));
                continue;
            }

            ReconcileJob(store, job, uid, owned);
        }

        foreach (var uid in _records.Keys.Where(u => !live.Contains(u)).ToList())
        {
            _records.TryRemove(uid, out _);
        }
    }

    /// <summary>A Job was removed (whatever the propagation policy): its Pods are deleted, which kills their processes.</summary>
    public void OnJobRemoved(ClusterStore store, JsonObject job)
    {
        var uid = JsonValues.String(job["metadata"]?["uid"]) ?? "";
        var pods = store.List(store.Type("", "pods"), JsonValues.String(job["metadata"]?["namespace"]), ListOptions.All).Items
            .Where(p => JsonValues.String(p["metadata"]?["labels"]?["controller-uid"]) == uid || Owner(p) == uid)
            .ToList();
        DeletePods(store, pods, new JobRecord());
    }

    private void ReconcileJob(ClusterStore store, JsonObject job, string uid, List<JsonObject> owned)
    {
        var record = _records.GetOrAdd(uid, _ => new JobRecord());
        var spec = job["spec"] as JsonObject ?? [];
        var current = job["status"] as JsonObject ?? [];
        var status = current.DeepClone().AsObject();
        var conditions = status["conditions"] as JsonArray ?? [];
        if (conditions.OfType<JsonObject>().Any(c => JsonValues.String(c["type"]) is "Complete" or "Failed" && JsonValues.String(c["status"]) == "True"))
        {
            return;
        }

        var active = new List<JsonObject>();
        var presentUids = new HashSet<string>(StringComparer.Ordinal);
        var ready = 0;
        foreach (var pod in owned)
        {
            var podUid = JsonValues.String(pod["metadata"]?["uid"])!;
            presentUids.Add(podUid);
            switch (JsonValues.String(pod["status"]?["phase"]))
            {
                case "Succeeded":
                    record.Succeeded.Add(podUid);
                    break;
                case "Failed":
                    record.Failed.Add(podUid);
                    break;
                default:
                    if (pod["metadata"]?["deletionTimestamp"] is null)
                    {
                        active.Add(pod);
                        if (JsonValues.String(pod["status"]?["phase"]) == "Running")
                        {
                            ready++;
                        }
                    }

                    break;
            }
        }

        foreach (var created in record.Created)
        {
            if (!presentUids.Contains(created) && !record.Succeeded.Contains(created) && !record.DeletedByController.Contains(created))
            {
                record.Failed.Add(created); // Deleted while active, by someone else: a failure, as a terminated pod.
            }
        }

        var now = DateTimeOffset.UtcNow;
        var parallelism = (int)(JsonValues.Long(spec["parallelism"]) ?? 1);
        var completions = JsonValues.Long(spec["completions"]);
        var backoffLimit = JsonValues.Long(spec["backoffLimit"]) ?? 6;
        var deadline = JsonValues.Long(spec["activeDeadlineSeconds"]);
        var succeeded = record.Succeeded.Count;
        var failed = record.Failed.Count;

        if (JsonValues.Bool(spec["suspend"]) == true)
        {
            DeletePods(store, active, record);
            active.Clear();
            ready = 0;
            status.Remove("startTime");
            SetCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", now);
        }
        else
        {
            if (Condition(status, "Suspended") is { } suspended && JsonValues.String(suspended["status"]) == "True")
            {
                SetCondition(status, "Suspended", "False", "JobResumed", "Job resumed", now);
            }

            if (JsonValues.String(status["startTime"]) is not { } startText)
            {
                startText = ProcessKubelet.Timestamp(now);
                status["startTime"] = startText;
            }

            var startTime = DateTimeOffset.Parse(startText, System.Globalization.CultureInfo.InvariantCulture);
            if (failed > backoffLimit)
            {
                Fail(store, status, active, record, "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
                ready = 0;
            }
            else if (deadline is { } seconds && now - startTime >= TimeSpan.FromSeconds(seconds))
            {
                Fail(store, status, active, record, "DeadlineExceeded", "Job was active longer than specified deadline", now);
                ready = 0;
            }
            else if (completions is null ? succeeded > 0 && active.Count == 0 : succeeded >= completions)
            {
                DeletePods(store, active, record);
                active.Clear();
                status["completionTime"] = ProcessKubelet.Timestamp(now);
                SetCondition(status, "Complete", "True", null, null, now);
            }
            else
            {
                var want = completions is null
                    ? (succeeded > 0 ? 0 : parallelism)
                    : (int)Math.Min(parallelism, completions.Value - succeeded);
                for (var i = active.Count; i < want; i++)
                {
                    var pod = store.Create(store.Type("", "pods"), "v1", JsonValues.String(job["metadata"]?["namespace"]), PodFor(job), WriteOptions.By(Controllers.Workloads.ControllerManager));
                    var podUid = JsonValues.String(pod["metadata"]?["uid"])!;
                    record.Created.Add(podUid);
                    active.Add(pod);
                }
            }
        }

        SetCount(status, "active", active.Count);
        SetCount(status, "ready", ready);
        SetCount(status, "succeeded", succeeded);
        SetCount(status, "failed", failed);
        status["uncountedTerminatedPods"] ??= new JsonObject();
        if (!JsonNode.DeepEquals(status, current))
        {
            try
            {
                store.SetStatus("batch", "jobs", JsonValues.String(job["metadata"]?["namespace"]), JsonValues.String(job["metadata"]?["name"])!, status, Controllers.Workloads.ControllerManager);
            }
            catch (StatusException e) when (e.Code is 404 or 409)
            {
                // Deleted meanwhile.
            }
        }
    }

    private void Fail(ClusterStore store, JsonObject status, List<JsonObject> active, JobRecord record, string reason, string message, DateTimeOffset now)
    {
        DeletePods(store, active, record);
        active.Clear();
        SetCondition(status, "FailureTarget", "True", reason, message, now);
        SetCondition(status, "Failed", "True", reason, message, now);
    }

    private void DeletePods(ClusterStore store, IEnumerable<JsonObject> pods, JobRecord record)
    {
        foreach (var pod in pods)
        {
            var meta = pod["metadata"]!;
            record.DeletedByController.Add(JsonValues.String(meta["uid"])!);
            try
            {
                store.Delete(store.Type("", "pods"), JsonValues.String(meta["namespace"]), JsonValues.String(meta["name"])!, new DeleteOptions("Background"));
            }
            catch (StatusException e) when (e.Code is 404 or 409)
            {
                // Already gone.
            }
        }

        kubelet.Wake();
    }

    private static JsonObject PodFor(JsonObject job)
    {
        var meta = job["metadata"]!;
        var name = JsonValues.String(meta["name"])!;
        var uid = JsonValues.String(meta["uid"])!;
        var template = job["spec"]?["template"] as JsonObject ?? [];
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        var podMeta = new JsonObject
        {
            ["generateName"] = name + "-",
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "batch/v1",
                ["kind"] = "Job",
                ["name"] = name,
                ["uid"] = uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
        if (template["metadata"]?["annotations"] is JsonObject annotations)
        {
            podMeta["annotations"] = annotations.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = podMeta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    private static string? Owner(JsonObject pod) =>
        (pod["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(o => JsonValues.Bool(o["controller"]) == true && JsonValues.String(o["kind"]) == "Job")
            .Select(o => JsonValues.String(o["uid"]))
            .FirstOrDefault();

    private static JsonObject? Condition(JsonObject status, string type) =>
        (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => JsonValues.String(c["type"]) == type);

    private static void SetCondition(JsonObject status, string type, string value, string? reason, string? message, DateTimeOffset now)
    {
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var existing = Condition(status, type);
        if (existing is not null && JsonValues.String(existing["status"]) == value)
        {
            return;
        }

        var stamp = ProcessKubelet.Timestamp(now);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = value,
            ["lastProbeTime"] = stamp,
            ["lastTransitionTime"] = stamp,
        };
        if (reason is not null)
        {
            condition["reason"] = reason;
        }

        if (message is not null)
        {
            condition["message"] = message;
        }

        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add(condition);
        }
    }

    private static void SetCount(JsonObject status, string field, int count)
    {
        if (count > 0)
        {
            status[field] = count;
        }
        else
        {
            status.Remove(field);
        }
    }

    private sealed class JobRecord
    {
        public HashSet<string> Created { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Succeeded { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);

        public HashSet<string> DeletedByController { get; } = new(StringComparer.Ordinal);
    }
}
