using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Ferry.Operator.Metrics;

/// <summary>Collects the measurements of one <see cref="Meter"/> and renders them in the Prometheus text exposition
/// format (version 0.0.4): counters as <c>counter</c>, observable gauges as <c>gauge</c>, histograms as
/// <c>histogram</c> with cumulative <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series, observable counters (whose
/// callbacks report the running total) as <c>counter</c>.</summary>
/// <remarks>prometheus-net is not available to this project; this covers the instrument kinds the operator uses
/// (<see cref="Counter{T}"/>, <see cref="Histogram{T}"/>, <see cref="ObservableGauge{T}"/> and <see cref="ObservableCounter{T}"/>
/// of long or double).</remarks>
internal sealed class PrometheusTextExporter : IDisposable
{
    /// <summary>The content type of the rendered text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly Lock _collect = new();

    /// <summary>Starts listening to the instruments of <paramref name="meter"/>.</summary>
    /// <param name="meter">The meter to export.</param>
    public PrometheusTextExporter(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                _series[instrument] = new Series(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Renders every series (observable instruments are observed now).</summary>
    /// <returns>The exposition text.</returns>
    public string Render()
    {
        lock (_collect)
        {
            foreach (var series in _series.Values)
            {
                if (series.IsObservable)
                {
                    series.Clear();
                }
            }

            _listener.RecordObservableInstruments();
            var sb = new StringBuilder();
            foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
            {
                series.Render(sb);
            }

            return sb.ToString();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, Labels(tags));
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }

        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            pairs.Add($"{key}=\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }

        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series(Instrument instrument)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (long[] Buckets, double Sum, long Count)> _histograms = new(StringComparer.Ordinal);

        public Instrument Instrument => instrument;

        public bool IsObservable => instrument.IsObservable;

        private bool IsHistogram => instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);

        private bool IsObservableCounter => instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(ObservableCounter<>);

        public void Clear()
        {
            lock (_gate)
            {
                _values.Clear();
            }
        }

        public void Record(double value, string labels)
        {
            lock (_gate)
            {
                if (IsHistogram)
                {
                    var (buckets, sum, count) = _histograms.GetValueOrDefault(labels, (new long[Bounds.Length], 0, 0));
                    for (var i = 0; i < Bounds.Length; i++)
                    {
                        if (value <= Bounds[i])
                        {
                            buckets[i]++;
                        }
                    }

                    _histograms[labels] = (buckets, sum + value, count + 1);
                }
                else if (IsObservable)
                {
                    _values[labels] = value;
                }
                else
                {
                    _values[labels] = _values.GetValueOrDefault(labels) + value;
                }
            }
        }

        public void Render(StringBuilder sb)
        {
            lock (_gate)
            {
                var name = instrument.Name;
                var type = IsHistogram ? "histogram" : IsObservableCounter || !IsObservable ? "counter" : "gauge";
                if (!string.IsNullOrEmpty(instrument.Description))
                {
                    sb.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
                }

                sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                if (IsHistogram)
                {
                    foreach (var (labels, (buckets, sum, count)) in _histograms.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        var prefix = labels.Length == 0 ? "" : labels + ",";
                        for (var i = 0; i < Bounds.Length; i++)
                        {
                            sb.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(Format(Bounds[i])).Append("\"} ").Append(buckets[i]).Append('\n');
                        }

                        sb.Append(name).Append("_bucket{").Append(prefix).Append("le=\"+Inf\"} ").Append(count).Append('\n');
                        sb.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Format(sum)).Append('\n');
                        sb.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(count).Append('\n');
                    }

                    return;
                }

                foreach (var (labels, value) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    sb.Append(name).Append(Braces(labels)).Append(' ').Append(Format(value)).Append('\n');
                }
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
    }
}
