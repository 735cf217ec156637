using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Ferry.SyncRunner.Cli;

/// <summary>
/// Serves the instruments of a meter in the Prometheus text exposition format (version 0.0.4) on
/// <c>http://ADDR/metrics</c>.
/// </summary>
internal sealed class PrometheusExporter : IAsyncDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string Name, string Labels), (double Value, string Type, string? Help)> _values = [];
    private readonly object _lock = new();
    private readonly HttpListener _http = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public PrometheusExporter(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The metrics text as of now.</summary>
    public string Render()
    {
        lock (_lock)
        {
            _values.Clear();
        }

        _listener.RecordObservableInstruments();
        var sb = new StringBuilder();
        lock (_lock)
        {
            foreach (IGrouping<string, KeyValuePair<(string Name, string Labels), (double Value, string Type, string? Help)>> g in _values.GroupBy(v => v.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var first = g.First().Value;
                if (first.Help is not null)
                {
                    sb.Append("# HELP ").Append(g.Key).Append(' ').Append(first.Help).Append('\n');
                }

                sb.Append("# TYPE ").Append(g.Key).Append(' ').Append(first.Type).Append('\n');
                foreach (var v in g.OrderBy(v => v.Key.Labels, StringComparer.Ordinal))
                {
                    sb.Append(g.Key).Append(v.Key.Labels).Append(' ').Append(v.Value.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Starts serving on <paramref name="address"/> (<c>host:port</c>, <c>:port</c> for every interface).</summary>
    /// <exception cref="ArgumentException">The address is not <c>host:port</c>.</exception>
    /// <exception cref="HttpListenerException">The port cannot be bound.</exception>
    public void Start(string address)
    {
        int colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new ArgumentException($"--metrics '{address}' is not HOST:PORT");
        }

        string host = colon == 0 ? "*" : address[..colon];
        _http.Prefixes.Add($"http://{host}:{port}/");
        _http.Start();
        _loop = Task.Run(ServeAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_http.IsListening)
        {
            _http.Stop();
        }

        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _http.Close();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _http.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using HttpListenerResponse response = context.Response;
            if (context.Request.Url?.AbsolutePath != "/metrics")
            {
                response.StatusCode = 404;
                continue;
            }

            byte[] body = Encoding.UTF8.GetBytes(Render());
            response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = "";
        if (tags.Length > 0)
        {
            var sb = new StringBuilder("{");
            foreach (KeyValuePair<string, object?> t in tags)
            {
                if (sb.Length > 1)
                {
                    sb.Append(',');
                }

                sb.Append(t.Key).Append("=\"").Append(Convert.ToString(t.Value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }

            labels = sb.Append('}').ToString();
        }

        string type = instrument is ObservableCounter<long> or Counter<long> or ObservableCounter<double> or Counter<double> ? "counter" : "gauge";
        lock (_lock)
        {
            _values[(instrument.Name, labels)] = (value, type, instrument.Description);
        }
    }
}
