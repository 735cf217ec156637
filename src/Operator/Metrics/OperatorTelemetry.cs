using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Ferry.Operator.Metrics;

/// <summary>Exports <see cref="OperatorMetrics"/> through the OpenTelemetry SDK: Prometheus text on the host's
/// <c>/metrics</c> (the ASP.NET Core exporter), and OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
/// <remarks>DESIGN.md, "Observability". Names, types and units are the instruments' own (no scope or target labels are
/// added); durations are seconds histograms with <see cref="SecondsBuckets"/>. Each <see cref="OperatorMetrics"/> has its
/// own meter name in tests, so that several operators in one process do not mix their numbers (the SDK gathers every
/// meter of the configured name).</remarks>
internal static class OperatorTelemetry
{
    /// <summary>The bucket bounds of every seconds histogram, in seconds (Prometheus client libraries' defaults).</summary>
    public static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Registers the meter provider for <paramref name="metrics"/> with the Prometheus exporter (and OTLP when
    /// configured by the standard environment variables).</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="metrics">The operator's instruments.</param>
    /// <param name="environment">Reads environment variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddOperatorTelemetry(this IServiceCollection services, OperatorMetrics metrics, Func<string, string?> environment)
    {
        services.AddOpenTelemetry().WithMetrics(builder =>
        {
            builder.AddMeter(metrics.Meter.Name)
                .AddView(instrument => instrument is Histogram<double> && instrument.Unit == "s"
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                    : null)
                .AddPrometheusExporter(o =>
                {
                    o.ScopeInfoEnabled = false;
                    o.TargetInfoEnabled = false;
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                });
            if (!string.IsNullOrEmpty(environment("OTEL_EXPORTER_OTLP_ENDPOINT")))
            {
                builder.AddOtlpExporter();
            }
        });
        return services;
    }
}
