using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.Hosting;

/// <summary>Builds the <c>ferry-operator</c> host: Kestrel on one port with <c>/healthz</c>, <c>/readyz</c> and
/// <c>/metrics</c>, console logs, and <see cref="OperatorService"/>.</summary>
internal static class OperatorHost
{
    /// <summary>Builds the host (not started).</summary>
    /// <param name="options">Operator settings.</param>
    /// <param name="client">The API client, or <see langword="null"/> to build one from <see cref="OperatorOptions.Kubeconfig"/>
    /// or the default chain.</param>
    /// <param name="timeProvider">The reconciler's clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="meterName">The meter of the operator's instruments; default <see cref="OperatorMetrics.MeterName"/>. Tests
    /// running several operators in one process give each its own.</param>
    /// <returns>The application.</returns>
    /// <exception cref="k8s.Exceptions.KubeConfigException">No usable configuration was found.</exception>
    public static WebApplication Build(OperatorOptions options, IKubernetesClient? client = null, TimeProvider? timeProvider = null, string? meterName = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(options.Port));
        builder.Logging.ClearProviders();
        if (string.Equals(options.LogFormat, "text", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        client ??= new KubernetesClient(KubeConfig.LoadDefault(options.Kubeconfig));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(client);
        builder.Services.AddSingleton(timeProvider ?? TimeProvider.System);
        var metrics = new OperatorMetrics(timeProvider ?? TimeProvider.System, meterName ?? OperatorMetrics.MeterName);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddOperatorTelemetry(metrics, Environment.GetEnvironmentVariable);
        builder.Services.AddSingleton<HealthState>();
        builder.Services.AddHostedService<OperatorService>();

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (HealthState health) => health.Ready
            ? Results.Text("ok\n")
            : Results.Text($"not ready: synced={health.Synced} leadershipDecided={health.LeadershipDecided}\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>The URLs Kestrel listens on (after start).</summary>
    /// <param name="app">A started application.</param>
    /// <returns>E.g. <c>http://[::]:8080</c>.</returns>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        [.. app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
}
