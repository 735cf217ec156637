using System.Net;
using System.Net.Sockets;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;

namespace Ferry.SyncRunner.Tests.Cli;

public class PrometheusExporterTests
{
    [Fact]
    public async Task Render_ServesCountersInPrometheusText()
    {
        var counters = new SyncCounters();
        counters.AddCopied(4096);
        counters.AddCopied(10);
        counters.AddFailed();
        using var metrics = new SyncMetrics(() => counters);
        await using var exporter = new PrometheusExporter(metrics.Meter);
        int port = FreePort();

        exporter.Start($"127.0.0.1:{port}");
        using var http = new HttpClient();
        string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        HttpResponseMessage missing = await http.GetAsync($"http://127.0.0.1:{port}/other");

        Assert.Contains("# TYPE ferry_objects_total counter", text, StringComparison.Ordinal);
        Assert.Contains("ferry_objects_total{result=\"copied\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("ferry_objects_total{result=\"failed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ferry_copied_bytes_total 4106\n", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
