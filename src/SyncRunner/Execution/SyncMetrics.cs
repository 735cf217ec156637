using System.Diagnostics.Metrics;

namespace Ferry.SyncRunner.Execution;

/// <summary>
/// <see cref="System.Diagnostics.Metrics"/> instruments over a run's counters, named as Prometheus expects
/// (<c>ferry_objects_total{result=...}</c>, <c>ferry_copied_bytes_total</c>, ...).
/// </summary>
/// <remarks>DESIGN.md, "Observability"; the runner serves them on <c>/metrics</c> like juicefs sync's <c>--metrics</c>.</remarks>
internal sealed class SyncMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Ferry.SyncRunner";

    private readonly Meter _meter;

    /// <summary>The meter holding the instruments (one per run).</summary>
    public Meter Meter => _meter;

    /// <summary>Creates the instruments over a run's counters.</summary>
    /// <param name="snapshot">Reads the counters at each collection.</param>
    /// <param name="meterName">The meter's name; default <see cref="MeterName"/> (tests give each instance its own).</param>
    public SyncMetrics(Func<SyncCounters> snapshot, string meterName = MeterName)
    {
        _meter = new Meter(meterName);
        _meter.CreateObservableCounter("ferry_objects_total", () =>
        {
            SyncCounters c = snapshot();
            return new[]
            {
                new Measurement<long>(c.Copied, new KeyValuePair<string, object?>("result", "copied")),
                new Measurement<long>(c.Skipped, new KeyValuePair<string, object?>("result", "skipped")),
                new Measurement<long>(c.Failed, new KeyValuePair<string, object?>("result", "failed")),
                new Measurement<long>(c.Deleted, new KeyValuePair<string, object?>("result", "deleted")),
                new Measurement<long>(c.Excluded, new KeyValuePair<string, object?>("result", "excluded")),
                new Measurement<long>(c.Checked, new KeyValuePair<string, object?>("result", "checked")),
                new Measurement<long>(c.Extra, new KeyValuePair<string, object?>("result", "extra")),
            };
        }, description: "Objects by what the sync did with them.");
        _meter.CreateObservableCounter("ferry_scanned_objects_total", () => snapshot().Scanned, description: "Source keys listed.");
        _meter.CreateObservableCounter("ferry_scanned_bytes_total", () => snapshot().ScannedBytes, unit: "By", description: "Bytes of the source keys listed.");
        _meter.CreateObservableCounter("ferry_copied_bytes_total", () => snapshot().CopiedBytes, unit: "By", description: "Bytes copied.");
        _meter.CreateObservableCounter("ferry_skipped_bytes_total", () => snapshot().SkippedBytes, unit: "By", description: "Bytes of keys found up to date.");
        _meter.CreateObservableGauge("ferry_pending_objects", () => snapshot().Pending, description: "Copies planned, not finished.");
    }

    public void Dispose() => _meter.Dispose();
}
