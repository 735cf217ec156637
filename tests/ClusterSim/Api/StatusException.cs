using System.Text.Json.Nodes;
using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.Api;

/// <summary>A request the simulated API server refuses; becomes a <c>Status</c> object on the wire.</summary>
/// <remarks>Kubernetes API conventions, "Response Status Kind": <c>code</c>, <c>reason</c>, <c>message</c>,
/// and <c>details</c> with <c>causes</c> for <c>Invalid</c>.</remarks>
public sealed class StatusException(int code, string reason, string message, JsonObject? details = null)
    : Exception(message)
{
    /// <summary>The HTTP status code, e.g. 404.</summary>
    public int Code { get; } = code;

    /// <summary>The machine-readable reason, e.g. <c>NotFound</c>.</summary>
    public string Reason { get; } = reason;

    /// <summary>The <c>details</c> of the Status (name, group, kind, causes), if any.</summary>
    public JsonObject? Details { get; } = details;

    /// <summary>The <c>Status</c> object for this error.</summary>
    public JsonObject ToStatus() => Status.Failure(Code, Reason, Message, Details?.DeepClone().AsObject());

    internal static JsonObject DetailsFor(ResourceType r, string? name) => new()
    {
        ["name"] = name,
        ["group"] = r.Group,
        ["kind"] = r.Plural,
    };

    internal static StatusException NotFound(ResourceType r, string name) =>
        new(404, "NotFound", $"{r.QualifiedPlural} \"{name}\" not found", DetailsFor(r, name));

    internal static StatusException AlreadyExists(ResourceType r, string name) =>
        new(409, "AlreadyExists", $"{r.QualifiedPlural} \"{name}\" already exists", DetailsFor(r, name));

    internal static StatusException Conflict(ResourceType r, string name, string? why = null) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {r.QualifiedPlural} \"{name}\": "
            + (why ?? "the object has been modified; please apply your changes to the latest version and try again"),
            DetailsFor(r, name));

    internal static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    internal static StatusException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    internal static StatusException Gone(string message) => new(410, "Expired", message);

    internal static StatusException Invalid(string kind, string group, string name, IReadOnlyList<FieldError> causes)
    {
        var list = new JsonArray();
        foreach (FieldError c in causes)
        {
            list.Add(new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field });
        }

        string text = causes.Count == 1
            ? causes[0].ToString()
            : "[" + string.Join(", ", causes.Select(c => c.ToString())) + "]";
        string qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        return new StatusException(422, "Invalid", $"{qualified} \"{name}\" is invalid: {text}",
            new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = kind, ["causes"] = list });
    }
}
