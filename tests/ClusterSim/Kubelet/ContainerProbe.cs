using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;

namespace Ferry.ClusterSim.Kubelet;

/// <summary>One of a container's probes (<c>startupProbe</c>, <c>livenessProbe</c>, <c>readinessProbe</c>) as the
/// kubelet runs it: an <c>httpGet</c> (success: a status of 200–399) or a <c>tcpSocket</c> connect, with the core/v1
/// Probe timing fields and their defaults.</summary>
/// <remarks>Kubernetes "Configure Liveness, Readiness and Startup Probes": <c>initialDelaySeconds</c> 0,
/// <c>periodSeconds</c> 10, <c>timeoutSeconds</c> 1, <c>successThreshold</c> 1, <c>failureThreshold</c> 3; a named
/// port is the container's <c>ports[].name</c>; the host defaults to the pod IP (127.0.0.1 here); HTTPS is not
/// verified; a named port the container does not declare makes every run of the probe fail. <c>exec</c> and <c>grpc</c>
/// probes are not run (<see cref="Runnable"/> is false).</remarks>
internal sealed record ContainerProbe(
    string Kind,
    string? Scheme,
    string Host,
    int Port,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    TimeSpan InitialDelay,
    TimeSpan Period,
    TimeSpan Timeout,
    int SuccessThreshold,
    int FailureThreshold)
{
    /// <summary>Why every run fails (a named port that is not declared), or null.</summary>
    public string? Error { get; init; }

    /// <summary>Whether this is a probe the process kubelet runs (<c>httpGet</c> or <c>tcpSocket</c>).</summary>
    public bool Runnable => Port > 0 || Error is not null;

    /// <summary>Whether it is an <c>httpGet</c> probe (else <c>tcpSocket</c>).</summary>
    public bool IsHttp => Scheme is not null;

    /// <summary>The probe <paramref name="field"/> (<c>readinessProbe</c>, ...) of <paramref name="container"/>, or null
    /// when it has none.</summary>
    public static ContainerProbe? Parse(JsonObject container, string field)
    {
        if (container[field] is not JsonObject probe)
        {
            return null;
        }

        var kind = field switch
        {
            "startupProbe" => "Startup",
            "livenessProbe" => "Liveness",
            _ => "Readiness",
        };
        string? scheme = null;
        var host = "127.0.0.1";
        var path = "/";
        var port = 0;
        var headers = new List<KeyValuePair<string, string>>();
        string? error = null;
        if (probe["httpGet"] is JsonObject http)
        {
            scheme = (JsonValues.String(http["scheme"]) ?? "HTTP").ToUpperInvariant();
            host = NonEmpty(JsonValues.String(http["host"])) ?? host;
            path = NonEmpty(JsonValues.String(http["path"])) ?? path;
            (port, error) = ResolvePort(container, http["port"]);
            foreach (var header in (http["httpHeaders"] as JsonArray ?? []).OfType<JsonObject>())
            {
                headers.Add(new(JsonValues.String(header["name"]) ?? "", JsonValues.String(header["value"]) ?? ""));
            }
        }
        else if (probe["tcpSocket"] is JsonObject tcp)
        {
            host = NonEmpty(JsonValues.String(tcp["host"])) ?? host;
            (port, error) = ResolvePort(container, tcp["port"]);
        }

        TimeSpan Seconds(string name, long fallback, long minimum) =>
            TimeSpan.FromSeconds(Math.Max(minimum, JsonValues.Long(probe[name]) ?? fallback));
        int Count(string name, long fallback) => (int)Math.Max(1, JsonValues.Long(probe[name]) ?? fallback);
        return new ContainerProbe(kind, scheme, host, port, path.StartsWith('/') ? path : "/" + path, headers,
            Seconds("initialDelaySeconds", 0, 0), Seconds("periodSeconds", 10, 1), Seconds("timeoutSeconds", 1, 1),
            kind == "Readiness" ? Count("successThreshold", 1) : 1, Count("failureThreshold", 3))
        { Error = error };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static (int Port, string? Error) ResolvePort(JsonObject container, JsonNode? port)
    {
        if (JsonValues.Long(port) is { } number)
        {
            return ((int)number, null);
        }

        var name = JsonValues.String(port) ?? "";
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return (parsed, null);
        }

        foreach (var declared in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonValues.String(declared["name"]) == name && JsonValues.Long(declared["containerPort"]) is { } p)
            {
                return ((int)p, null);
            }
        }

        return (0, $"unable to find port \"{name}\" in the container's ports");
    }
}
