using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Api;

/// <summary>Builds <c>Status</c> objects (kind Status, apiVersion v1).</summary>
public static class Status
{
    /// <summary>A failure Status with an HTTP <paramref name="code"/>, a <paramref name="reason"/> and a message.</summary>
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }

    /// <summary>A success Status (e.g. for a completed delete collection).</summary>
    public static JsonObject Success(JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }
}
