using System.Collections.Concurrent;

namespace Ferry.Operator.Tests.Support;

/// <summary>An HTTP handler that records every request's method and path before passing it on.</summary>
public sealed class RequestLog : DelegatingHandler
{
    private readonly ConcurrentQueue<(DateTimeOffset Time, string Method, string Path)> _requests = new();

    public RequestLog(HttpMessageHandler inner)
        : base(inner)
    {
    }

    public IReadOnlyList<(DateTimeOffset Time, string Method, string Path)> Requests => [.. _requests];

    /// <summary>Writes (PUT or PATCH) to the status subresource of the named SyncJob.</summary>
    public IReadOnlyList<DateTimeOffset> StatusWrites(string name) =>
        [.. _requests.Where(r => r.Method is "PUT" or "PATCH" && r.Path.EndsWith($"/syncjobs/{name}/status", StringComparison.Ordinal)).Select(r => r.Time)];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue((DateTimeOffset.UtcNow, request.Method.Method, request.RequestUri?.AbsolutePath ?? ""));
        return base.SendAsync(request, cancellationToken);
    }
}
