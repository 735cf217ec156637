using System.Collections.Concurrent;

namespace Ferry.Operator.Tests.Support;

/// <summary>An HTTP handler that records every request's method and path before passing it on.</summary>
public sealed class RequestLog : DelegatingHandler
{
    private readonly ConcurrentQueue<(DateTimeOffset Time, string Method, string Path)> _requests = new();

    /// <summary>A handler for the front of KubernetesClient's pipeline (which supplies the inner handler).</summary>
    public RequestLog()
    {
    }

    public IReadOnlyList<(DateTimeOffset Time, string Method, string Path)> Requests => [.. _requests];

    /// <summary>Writes (PUT or PATCH) to the status subresource of the named SyncJob.</summary>
    public IReadOnlyList<DateTimeOffset> StatusWrites(string name) =>
        [.. _requests.Where(r => r.Method is "PUT" or "PATCH" && r.Path.Split('?')[0].EndsWith($"/syncjobs/{name}/status", StringComparison.Ordinal)).Select(r => r.Time)];

    /// <summary>Requests other than watches (list+watch streams are long-lived and not per-event traffic).</summary>
    public IReadOnlyList<(DateTimeOffset Time, string Method, string Path)> NonWatchRequests(DateTimeOffset from, DateTimeOffset to) =>
        [.. _requests.Where(r => r.Time >= from && r.Time <= to && !r.Path.Contains("watch=true", StringComparison.Ordinal))];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue((DateTimeOffset.UtcNow, request.Method.Method, request.RequestUri?.PathAndQuery ?? ""));
        return base.SendAsync(request, cancellationToken);
    }
}
