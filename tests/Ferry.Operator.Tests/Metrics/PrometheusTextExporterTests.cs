using System.Diagnostics.Metrics;
using Ferry.Operator.Metrics;

namespace Ferry.Operator.Tests.Metrics;

public sealed class PrometheusTextExporterTests
{
    [Fact]
    public void Render_CounterHistogramGauge_InExpositionFormat()
    {
        using var meter = new Meter("test." + Guid.NewGuid());
        using var exporter = new PrometheusTextExporter(meter);
        var counter = meter.CreateCounter<long>("things_total", description: "Things.");
        var histogram = meter.CreateHistogram<double>("wait_seconds");
        var gaugeValue = 3L;
        meter.CreateObservableGauge("level", () => new Measurement<long>(gaugeValue, new KeyValuePair<string, object?>("kind", "a\"b")));

        counter.Add(2, new KeyValuePair<string, object?>("result", "ok"));
        counter.Add(3, new KeyValuePair<string, object?>("result", "ok"));
        counter.Add(1, new KeyValuePair<string, object?>("result", "error"));
        histogram.Record(0.2);
        histogram.Record(3);

        var text = exporter.Render();

        Assert.Contains("# HELP things_total Things.\n# TYPE things_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("things_total{result=\"ok\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("things_total{result=\"error\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE wait_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_bucket{le=\"0.1\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_bucket{le=\"0.25\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_bucket{le=\"5\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_bucket{le=\"+Inf\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_sum 3.2\n", text, StringComparison.Ordinal);
        Assert.Contains("wait_seconds_count 2\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE level gauge\nlevel{kind=\"a\\\"b\"} 3\n", text, StringComparison.Ordinal);

        gaugeValue = 7;
        Assert.Contains("level{kind=\"a\\\"b\"} 7\n", exporter.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OtherMeters_NotExported()
    {
        using var mine = new Meter("test.mine." + Guid.NewGuid());
        using var other = new Meter("test.other." + Guid.NewGuid());
        using var exporter = new PrometheusTextExporter(mine);
        other.CreateCounter<long>("foreign_total").Add(1);

        Assert.DoesNotContain("foreign_total", exporter.Render(), StringComparison.Ordinal);
    }
}
