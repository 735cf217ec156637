using System.Net;
using Ferry.Kube.Models;

namespace Ferry.Kube.Errors;

/// <summary>The API server answered with an error <see cref="Models.Status"/>: not found, conflict, invalid, gone, forbidden, ….</summary>
/// <remarks>Kubernetes API conventions, "HTTP Status codes" and "Response Status Kind": the reason, not the message, is
/// the machine-readable part. The message is the server's and never contains request bodies.</remarks>
public sealed class KubernetesApiException : KubernetesException
{
    /// <summary>Creates the exception from an error status.</summary>
    /// <param name="status">The decoded <c>Status</c>; <see cref="Status.Code"/> must hold the HTTP status code.</param>
    public KubernetesApiException(Status status)
        : base(Describe(status))
    {
        ArgumentNullException.ThrowIfNull(status);
        Status = status;
    }

    /// <summary>The server's <c>Status</c> object.</summary>
    public Status Status { get; }

    /// <summary>The HTTP status code, e.g. 404.</summary>
    public int Code => Status.Code;

    /// <summary>The machine-readable reason, e.g. <c>NotFound</c>, or an empty string.</summary>
    public string Reason => Status.Reason ?? "";

    /// <summary>Which object the error is about and the field-level causes, when the server sent them.</summary>
    public StatusDetails? Details => Status.Details;

    /// <summary>404 / <c>NotFound</c>.</summary>
    public bool IsNotFound => Code == (int)HttpStatusCode.NotFound || Reason == "NotFound";

    /// <summary>409 / <c>AlreadyExists</c>: create of a name that exists.</summary>
    public bool IsAlreadyExists => Reason == "AlreadyExists";

    /// <summary>409 / <c>Conflict</c>: a write with a stale resourceVersion (optimistic-concurrency failure).</summary>
    public bool IsConflict => Reason == "Conflict" || (Code == (int)HttpStatusCode.Conflict && !IsAlreadyExists);

    /// <summary>410 / <c>Expired</c> or <c>Gone</c>: the requested resourceVersion is too old; re-list.</summary>
    public bool IsGone => Code == (int)HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    /// <summary>422 / <c>Invalid</c>: validation failed; see <see cref="Details"/> for the fields.</summary>
    public bool IsInvalid => Code == (int)HttpStatusCode.UnprocessableEntity || Reason == "Invalid";

    /// <summary>401 / <c>Unauthorized</c> or 403 / <c>Forbidden</c>.</summary>
    public bool IsForbidden => Code is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden;

    /// <inheritdoc />
    /// <remarks>429 TooManyRequests, 500 InternalError, 503 ServiceUnavailable, 504 and the Timeout/ServerTimeout reasons.</remarks>
    public override bool IsTransient =>
        Code is 429 or 500 or 502 or 503 or 504 || Reason is "ServerTimeout" or "Timeout" or "TooManyRequests";

    private static string Describe(Status status)
    {
        var what = status.Details is { Name: { } name } d ? $" ({d.Kind ?? d.Group ?? "object"} \"{name}\")" : "";
        return $"Kubernetes API error {status.Code} {status.Reason}{what}: {status.Message}";
    }
}
