using Ferry.Kube.Client;
using Ferry.Kube.LeaderElection;
using Ferry.Operator.Controllers;
using Ferry.Operator.Metrics;
using Ferry.Operator.ReplicaMirrors;
using Ferry.Operator.SyncJobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ferry.Operator.Hosting;

/// <summary>The operator's background work: informers on every replica, the SyncJob and ReplicaMirror controllers on
/// the leader.</summary>
/// <remarks>client-go's leader election pattern: a replica that loses leadership stops the host (the pod restarts
/// and campaigns again) rather than risk two leaders reconciling.</remarks>
/// <param name="client">The API client.</param>
/// <param name="options">Operator settings.</param>
/// <param name="metrics">Metrics.</param>
/// <param name="health">Readiness state to update.</param>
/// <param name="timeProvider">The reconciler's clock.</param>
/// <param name="lifetime">Stops the host when leadership is lost.</param>
/// <param name="loggerFactory">Loggers.</param>
internal sealed class OperatorService(
    IKubernetesClient client,
    OperatorOptions options,
    OperatorMetrics metrics,
    HealthState health,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<OperatorService>();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var controller = new SyncJobOperator(client, options, metrics, timeProvider, loggerFactory);
        var mirrors = new ReplicaMirrorOperator(client, controller.SyncJobs, options, metrics, timeProvider, loggerFactory);
        var informers = Task.WhenAll(controller.RunInformersAsync(stoppingToken), mirrors.RunInformersAsync(stoppingToken));
        Task RunControllersAsync(CancellationToken token) =>
            Task.WhenAll(controller.RunControllerAsync(token), mirrors.RunControllerAsync(token));
        try
        {
            await Task.WhenAll(controller.WaitForSyncAsync(stoppingToken), mirrors.WaitForSyncAsync(stoppingToken)).ConfigureAwait(false);
            health.Synced = true;
            _logger.LogInformation("Caches synced");
            if (!options.LeaderElection)
            {
                health.LeadershipDecided = true;
                health.Leading = true;
                await RunControllersAsync(stoppingToken).ConfigureAwait(false);
            }
            else
            {
                var identity = $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}_{Guid.NewGuid():N}";
                var ns = options.LeaderElectionNamespace ?? DefaultNamespace();
                var elector = new LeaderElector(client, new LeaderElectionOptions
                {
                    LeaseNamespace = ns,
                    LeaseName = options.LeaderElectionLeaseName,
                    Identity = identity,
                    LeaseDuration = options.LeaderElectionLeaseDuration,
                    RenewDeadline = options.LeaderElectionLeaseDuration * 2 / 3,
                    RetryPeriod = options.LeaderElectionLeaseDuration / 7.5,
                    OnStartedLeading = async token =>
                    {
                        health.Leading = true;
                        health.LeadershipDecided = true;
                        await RunControllersAsync(token).ConfigureAwait(false);
                    },
                    OnNewLeader = leader =>
                    {
                        health.LeadershipDecided = true;
                        _logger.LogInformation("Leader is {Leader}", leader);
                    },
                    OnStoppedLeading = () => health.Leading = false,
                }, loggerFactory.CreateLogger<LeaderElector>());
                _logger.LogInformation("Campaigning for Lease {Namespace}/{Name} as {Identity}", ns, options.LeaderElectionLeaseName, identity);
                await elector.RunAsync(stoppingToken).ConfigureAwait(false);
                if (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogError("Leadership lost; stopping");
                    lifetime.StopApplication();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await informers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private string DefaultNamespace()
    {
        const string serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        if (File.Exists(serviceAccountNamespace))
        {
            return File.ReadAllText(serviceAccountNamespace).Trim();
        }

        return (client as KubernetesClient)?.DefaultNamespace ?? "default";
    }
}
