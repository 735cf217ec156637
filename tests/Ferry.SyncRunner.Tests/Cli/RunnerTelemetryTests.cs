using System.Net;
using System.Net.Sockets;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Tests.Cli;

/// <summary>The runner's <c>--metrics</c> through the OpenTelemetry SDK's Prometheus exporter: the exposition is pinned
/// (names, types, labels and values as the instruments define them, no scope or target labels).</summary>
public class RunnerTelemetryTests
{
    [Fact]
    public async Task Start_WithAddress_ServesTheRunsInstrumentsInPrometheusText()
    {
        var counters = new SyncCounters();
        counters.AddCopied(4096);
        counters.AddCopied(10);
        counters.AddFailed();
        using var metrics = new SyncMetrics(() => counters, "Ferry.SyncRunner.test." + Guid.NewGuid().ToString("N"));
        int port = FreePort();

        using IDisposable? provider = RunnerTelemetry.Start(metrics.Meter, $"127.0.0.1:{port}", _ => null);
        using var http = new HttpClient();
        string text = await ScrapeAsync(http, port);
        HttpResponseMessage missing = await http.GetAsync($"http://127.0.0.1:{port}/other");

        Assert.NotNull(provider);
        Assert.Contains("# TYPE ferry_objects_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP ferry_objects_total Objects by what the sync did with them.\n", text, StringComparison.Ordinal);
        Assert.Contains("ferry_objects_total{result=\"copied\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("ferry_objects_total{result=\"failed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE ferry_copied_bytes_total counter\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ferry_copied_bytes_total(\{\})? 4106$", text);
        Assert.Contains("# TYPE ferry_pending_objects gauge\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, missing.StatusCode);

        counters.AddCopied(1);
        Assert.Contains("ferry_objects_total{result=\"copied\"} 3\n", await ScrapeAsync(http, port), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9567")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("host:port")]
    public void Start_BadAddress_ArgumentExceptionNamingIt(string address)
    {
        using var metrics = new SyncMetrics(() => new SyncCounters(), "Ferry.SyncRunner.test." + Guid.NewGuid().ToString("N"));

        ArgumentException e = Assert.Throws<ArgumentException>(() => RunnerTelemetry.Start(metrics.Meter, address, _ => null));

        Assert.Contains($"'{address}' is not HOST:PORT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PortTaken_HttpListenerException()
    {
        using var metrics = new SyncMetrics(() => new SyncCounters(), "Ferry.SyncRunner.test." + Guid.NewGuid().ToString("N"));
        using var taken = new HttpListener();
        int port = FreePort();
        taken.Prefixes.Add($"http://127.0.0.1:{port}/");
        taken.Start();

        Assert.ThrowsAny<HttpListenerException>(() => RunnerTelemetry.Start(metrics.Meter, $"127.0.0.1:{port}", _ => null));
    }

    [Fact]
    public void Start_NoAddressNoOtlp_NothingStarted()
    {
        using var metrics = new SyncMetrics(() => new SyncCounters(), "Ferry.SyncRunner.test." + Guid.NewGuid().ToString("N"));

        Assert.Null(RunnerTelemetry.Start(metrics.Meter, null, _ => null));
    }

    /// <summary>One scrape of /metrics. The exporter answers a scrape whose collection came back empty with an empty 200
    /// ("no metrics", which it logs rather than fails); seen once in a loaded ./test.sh run on the second of two scrapes
    /// in a row. Such a body is scraped again (at most 20 times), as Prometheus would at its next interval; any other
    /// body is returned as it is.</summary>
    private static async Task<string> ScrapeAsync(HttpClient http, int port)
    {
        string text = "";
        for (int attempt = 0; attempt < 20 && text.Length == 0; attempt++)
        {
            text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        }

        return text;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
