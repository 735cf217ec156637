using System.Net;
using System.Net.Sockets;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Ferry.Operator.Tests.Support;

/// <summary>Serves one meter's instruments through the OpenTelemetry SDK's Prometheus exporter on a free loopback port,
/// configured as the operator configures its own (no scope or target labels, no scrape cache), and scrapes them: what
/// a harness without Kestrel shows as <c>/metrics</c>.</summary>
public sealed class MetricsScrape : IDisposable
{
    private readonly MeterProvider _provider;
    private readonly HttpClient _http = new();
    private readonly int _port;

    public MetricsScrape(string meterName)
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName)
            .AddView(i => i is System.Diagnostics.Metrics.Histogram<double> && i.Unit == "s" ? new ExplicitBucketHistogramConfiguration { Boundaries = Ferry.Operator.Metrics.OperatorTelemetry.SecondsBuckets } : null)
            .AddPrometheusHttpListener(o =>
            {
                o.Host = "127.0.0.1";
                o.Port = _port;
                o.ScopeInfoEnabled = false;
                o.TargetInfoEnabled = false;
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            })
            .Build();
    }

    public string Text() => _http.GetStringAsync($"http://127.0.0.1:{_port}/metrics").GetAwaiter().GetResult();

    public void Dispose()
    {
        _provider.Dispose();
        _http.Dispose();
    }
}
