using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Storage;

namespace Ferry.ClusterSim.Controllers;

/// <summary>Helpers the workload controllers share: ownership, readiness, status writes and Events.</summary>
internal static class Workloads
{
    /// <summary>The field manager of the controllers' writes, as kube-controller-manager records them.</summary>
    public const string ControllerManager = "kube-controller-manager";

    public static string? ControllerUid(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(r => JsonValues.Bool(r["controller"]) == true).Select(r => JsonValues.String(r["uid"])).FirstOrDefault();

    public static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Any(c => JsonValues.String(c["type"]) == "Ready" && JsonValues.String(c["status"]) == "True");

    public static void DeletePod(ClusterStore store, JsonObject pod)
    {
        try
        {
            store.Delete(store.Type("", "pods"), JsonValues.String(pod["metadata"]?["namespace"]), JsonValues.String(pod["metadata"]?["name"])!, new DeleteOptions());
        }
        catch (StatusException e) when (e.Code == 404)
        {
            // Gone already.
        }
    }

    /// <summary>Writes <paramref name="status"/> through the status subresource when it differs from the stored one
    /// (conditions compared without their timestamps).</summary>
    public static void WriteStatus(ClusterStore store, string plural, JsonObject obj, JsonObject status)
    {
        if (JsonNode.DeepEquals(Comparable(obj["status"]), Comparable(status)))
        {
            return;
        }

        try
        {
            store.SetStatus("apps", plural, JsonValues.String(obj["metadata"]?["namespace"]), JsonValues.String(obj["metadata"]?["name"])!, status, ControllerManager);
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
            // Deleted or changed meanwhile: the next pass sees it.
        }
    }

    private static JsonNode? Comparable(JsonNode? status)
    {
        if (status?.DeepClone() is not JsonObject copy)
        {
            return null;
        }

        foreach (var c in (copy["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            c.Remove("lastTransitionTime");
            c.Remove("lastUpdateTime");
        }

        return copy;
    }

    public static string Now() => DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Records a core/v1 Event on <paramref name="obj"/> (once per reason and message), from
    /// <paramref name="component"/>.</summary>
    public static void RecordEvent(ClusterStore store, JsonObject obj, string reason, string message, bool warning = false,
        string component = "clustersim-controller-manager")
    {
        var ns = JsonValues.String(obj["metadata"]?["namespace"]) ?? "default";
        var name = JsonValues.String(obj["metadata"]?["name"]) ?? "";
        var eventName = $"{name}.{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reason + message)))[..12]}";
        try
        {
            store.Create(store.Type("", "events"), "v1", ns, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["apiVersion"] = obj["apiVersion"]?.DeepClone(),
                    ["kind"] = obj["kind"]?.DeepClone(),
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["uid"] = obj["metadata"]?["uid"]?.DeepClone(),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = warning ? "Warning" : "Normal",
                ["source"] = new JsonObject { ["component"] = component },
                ["firstTimestamp"] = Now(),
                ["lastTimestamp"] = Now(),
                ["count"] = 1,
            });
        }
        catch (StatusException e) when (e.Code is 409 or 404 or 403)
        {
            // Recorded already, or the namespace is going away.
        }
    }
}
