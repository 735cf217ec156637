using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ferry.Operator.Metrics;

/// <summary>The operator's <see cref="System.Diagnostics.Metrics"/> instruments, exposed on <c>/metrics</c> through the
/// OpenTelemetry SDK (<see cref="OperatorTelemetry"/>).</summary>
/// <remarks>Names follow the Prometheus conventions (DESIGN.md, "Observability"): counters end in <c>_total</c>,
/// durations are in seconds. Each instance owns its own <see cref="System.Diagnostics.Metrics.Meter"/>; several operators
/// in one process (tests) give theirs different names so that the SDK, which gathers meters by name, keeps their numbers
/// apart.</remarks>
internal sealed class OperatorMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Ferry.Operator";

    private readonly Counter<long> _reconciles;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _statusWrites;

    /// <summary>Creates the instruments.</summary>
    /// <param name="timeProvider">The clock of the time-based mirror gauges; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="meterName">The meter's name; default <see cref="MeterName"/>.</param>
    public OperatorMetrics(TimeProvider? timeProvider = null, string meterName = MeterName)
    {
        Meter = new Meter(meterName);
        _reconciles = Meter.CreateCounter<long>("ferry_operator_reconcile_total", description: "Reconciles by controller and result (success, requeue, error).");
        _errors = Meter.CreateCounter<long>("ferry_operator_reconcile_errors_total", description: "Reconciles that failed with an error, by controller.");
        _duration = Meter.CreateHistogram<double>("ferry_operator_reconcile_duration_seconds", unit: "s", description: "Time per reconcile, in seconds.");
        _statusWrites = Meter.CreateCounter<long>("ferry_operator_status_writes_total", description: "Status subresource writes, by controller.");
        Meter.CreateObservableGauge("ferry_operator_syncjobs", ObserveSyncJobs, description: "SyncJobs known to the operator, by phase.");
        Meter.CreateObservableGauge("ferry_syncjob_objects", ObserveSyncJobObjects,
            description: "Objects counted in a SyncJob's status.progress, by state (scanned, copied, skipped, deleted, excluded, failed).");
        Meter.CreateObservableGauge("ferry_syncjob_copied_bytes", ObserveSyncJobBytes, unit: "By", description: "Bytes a SyncJob has copied (status.progress.copiedBytes).");
        MirrorMetrics.Register(Meter, () => Mirrors?.Invoke() ?? [], timeProvider ?? TimeProvider.System);
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter { get; }

    /// <summary>Supplies the SyncJobs the <c>ferry_operator_syncjobs</c> and <c>ferry_syncjob_*</c> gauges are read from
    /// (their status).</summary>
    public Func<IEnumerable<Ferry.Api.SyncJobs.SyncJob>>? SyncJobs { get; set; }

    /// <summary>Supplies the ReplicaMirrors the <c>ferry_mirror_*</c> instruments are read from (their status).</summary>
    public Func<IEnumerable<Ferry.Api.ReplicaMirrors.ReplicaMirror>>? Mirrors { get; set; }

    /// <summary>Counts one reconcile.</summary>
    /// <param name="controller">The controller's name.</param>
    /// <param name="result"><c>success</c>, <c>requeue</c> or <c>error</c>.</param>
    /// <param name="seconds">How long it took, in seconds.</param>
    public void Reconciled(string controller, string result, double seconds)
    {
        var tags = new TagList { { "controller", controller }, { "result", result } };
        _reconciles.Add(1, tags);
        _duration.Record(seconds, new KeyValuePair<string, object?>("controller", controller));
        if (result == "error")
        {
            _errors.Add(1, new KeyValuePair<string, object?>("controller", controller));
        }
    }

    /// <summary>Counts one status write.</summary>
    /// <param name="controller">The controller's name.</param>
    public void StatusWritten(string controller) => _statusWrites.Add(1, new KeyValuePair<string, object?>("controller", controller));

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();

    private IEnumerable<Measurement<long>> ObserveSyncJobObjects()
    {
        foreach (var syncJob in SyncJobs?.Invoke() ?? [])
        {
            if (syncJob.Status?.Progress is not { } p)
            {
                continue;
            }

            foreach (var (state, value) in new[] { ("scanned", p.Scanned), ("copied", p.Copied), ("skipped", p.Skipped), ("deleted", p.Deleted), ("excluded", p.Excluded), ("failed", p.Failed) })
            {
                yield return new Measurement<long>(value ?? 0, new("namespace", syncJob.Metadata.NamespaceProperty), new("syncjob", syncJob.Metadata.Name), new("state", state));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveSyncJobBytes()
    {
        foreach (var syncJob in SyncJobs?.Invoke() ?? [])
        {
            if (syncJob.Status?.Progress is { } p)
            {
                yield return new Measurement<long>(p.CopiedBytes ?? 0, new("namespace", syncJob.Metadata.NamespaceProperty), new("syncjob", syncJob.Metadata.Name));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveSyncJobs()
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["Pending"] = 0,
            ["Scanning"] = 0,
            ["Running"] = 0,
            ["Succeeded"] = 0,
            ["Failed"] = 0,
        };
        foreach (var syncJob in SyncJobs?.Invoke() ?? [])
        {
            var key = syncJob.Status?.Phase?.ToString() ?? "Pending";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("phase", p.Key)));
    }
}
