using System.Net;
using System.Text.Json;
using Ferry.Kube.Serialization;
using k8s.Autorest;
using k8s.Models;

namespace Ferry.Kube.Errors;

/// <summary>The API server answered with an error <see cref="V1Status"/>: not found, conflict, invalid, gone, forbidden, ….</summary>
/// <remarks>Kubernetes API conventions, "HTTP Status codes" and "Response Status Kind": the reason, not the message, is
/// the machine-readable part. The message is the server's and never contains request bodies. KubernetesClient reports an
/// error answer as <see cref="HttpOperationException"/> with the <c>Status</c> JSON as text: <see cref="From(HttpOperationException)"/>
/// turns it into this type, through the same parser Ferry's client uses for its own requests.</remarks>
public sealed class KubernetesApiException : KubernetesException
{
    /// <summary>Creates the exception from an error status.</summary>
    /// <param name="status">The decoded <c>Status</c>; <see cref="V1Status.Code"/> must hold the HTTP status code.</param>
    /// <exception cref="ArgumentNullException"><paramref name="status"/> is null.</exception>
    public KubernetesApiException(V1Status status)
        : this(status, null)
    {
    }

    private KubernetesApiException(V1Status status, Exception? innerException)
        : base(Describe(status ?? throw new ArgumentNullException(nameof(status))), innerException)
    {
        Status = status;
    }

    /// <summary>The server's <c>Status</c> object.</summary>
    public V1Status Status { get; }

    /// <summary>The HTTP status code, e.g. 404.</summary>
    public int Code => Status.Code ?? 0;

    /// <summary>The machine-readable reason, e.g. <c>NotFound</c>, or an empty string.</summary>
    public string Reason => Status.Reason ?? "";

    /// <summary>Which object the error is about and the field-level causes, when the server sent them.</summary>
    public V1StatusDetails? Details => Status.Details;

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

    /// <summary>Translates KubernetesClient's error answer: the response body decoded as a <c>Status</c>, or, when the
    /// body is not one (a proxy's HTML page, an empty body), a <c>Status</c> made from the HTTP status code.</summary>
    /// <param name="exception">What KubernetesClient threw for a non-2xx answer.</param>
    /// <returns>The typed exception, with <paramref name="exception"/> as its inner exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static KubernetesApiException From(HttpOperationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = (int)(exception.Response?.StatusCode ?? 0);
        return new KubernetesApiException(Parse(code, exception.Response?.Content, exception.Response?.ReasonPhrase), exception);
    }

    /// <summary>The typed exception of an error answer read straight from HTTP (Ferry's own requests).</summary>
    internal static KubernetesApiException FromResponse(int code, string? body, string? reasonPhrase) =>
        new(Parse(code, body, reasonPhrase), null);

    /// <summary>Decodes an error answer's body; the HTTP code fills in a missing <c>code</c>. The one place a
    /// <c>Status</c> body is parsed, for <see cref="From"/> and for <see cref="Client.KubernetesClient"/>.</summary>
    internal static V1Status Parse(int code, string? body, string? reasonPhrase)
    {
        V1Status? status = null;
        try
        {
            status = string.IsNullOrEmpty(body) ? null : JsonSerializer.Deserialize(body, KubeJson.TypeInfo<V1Status>());
        }
        catch (JsonException)
        {
        }

        if (status is null || status.Kind != "Status")
        {
            return new V1Status
            {
                ApiVersion = "v1",
                Kind = "Status",
                Status = "Failure",
                Code = code,
                Reason = ReasonForCode((HttpStatusCode)code),
                Message = $"the server responded {code} {reasonPhrase} without a Status body",
            };
        }

        if (status.Code is null or 0)
        {
            status.Code = code;
        }

        return status;
    }

    private static string ReasonForCode(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "BadRequest",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "NotFound",
        HttpStatusCode.MethodNotAllowed => "MethodNotAllowed",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.Gone => "Expired",
        HttpStatusCode.UnprocessableEntity => "Invalid",
        HttpStatusCode.TooManyRequests => "TooManyRequests",
        HttpStatusCode.InternalServerError => "InternalError",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailable",
        HttpStatusCode.GatewayTimeout => "Timeout",
        _ => "Unknown",
    };

    private static string Describe(V1Status status)
    {
        var what = status.Details is { Name: { } name } d ? $" ({d.Kind ?? d.Group ?? "object"} \"{name}\")" : "";
        return $"Kubernetes API error {status.Code} {status.Reason}{what}: {status.Message}";
    }
}
