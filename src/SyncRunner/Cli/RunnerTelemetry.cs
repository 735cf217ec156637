using System.Diagnostics.Metrics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Ferry.SyncRunner.Cli;

/// <summary>Exports a run's instruments through the OpenTelemetry SDK: Prometheus text on <c>http://ADDR/metrics</c> for
/// <c>--metrics ADDR</c> (the HttpListener exporter; juicefs sync serves its metrics the same way, on port 9567 in a
/// runner pod), and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
/// <remarks>DESIGN.md, "Observability". Names, types and units are the instruments' own: no scope or target labels are
/// added and scrapes are never served from a cache.</remarks>
internal static class RunnerTelemetry
{
    /// <summary>Starts exporting <paramref name="meter"/>.</summary>
    /// <param name="meter">The run's meter (<see cref="Execution.SyncMetrics.Meter"/>).</param>
    /// <param name="address">The <c>--metrics</c> value, <c>HOST:PORT</c> or <c>:PORT</c> for every interface; or
    /// <see langword="null"/>.</param>
    /// <param name="environment">Reads environment variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</param>
    /// <returns>The meter provider (dispose it to stop), or <see langword="null"/> when there is nothing to export to. Typed
    /// as <see cref="IDisposable"/> so that callers do not load the SDK's assemblies when metrics are off.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not <c>HOST:PORT</c>.</exception>
    /// <exception cref="System.Net.HttpListenerException">The port cannot be bound.</exception>
    public static IDisposable? Start(Meter meter, string? address, Func<string, string?> environment)
    {
        bool otlp = !string.IsNullOrEmpty(environment("OTEL_EXPORTER_OTLP_ENDPOINT"));
        return address is null && !otlp ? null : StartProvider(meter, address, otlp);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static IDisposable StartProvider(Meter meter, string? address, bool otlp)
    {
        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name);
        if (address is not null)
        {
            int colon = address.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"--metrics '{address}' is not HOST:PORT");
            }

            string host = colon == 0 ? "*" : address[..colon];
            EnsureBindable(host, port);
            builder.AddPrometheusHttpListener(o =>
            {
                o.Host = host;
                o.Port = port;
                o.ScrapeEndpointPath = "/metrics";
                o.ScopeInfoEnabled = false;
                o.TargetInfoEnabled = false;
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            });
        }

        if (otlp)
        {
            builder.AddOtlpExporter();
        }

        return builder.Build();
    }

    /// <summary>Binds the prefix once and lets it go: the exporter only logs a failed bind (to its EventSource), and a
    /// user who asked for <c>--metrics</c> must learn that nothing serves them.</summary>
    private static void EnsureBindable(string host, int port)
    {
        using var probe = new System.Net.HttpListener();
        probe.Prefixes.Add($"http://{host}:{port}/");
        probe.Start();
        probe.Stop();
    }
}
