using System.CommandLine;
using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Api.Schema;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Queue.Kubernetes;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Watching;
using k8s;
using k8s.Models;
using KubernetesException = Ferry.Kube.Errors.KubernetesException;

namespace Ferry.SyncRunner.Cli;

/// <summary><c>ferry watch-mirror --namespace NS --mirror NAME</c>: the watcher pod of a continuous ReplicaMirror,
/// started by the operator (<see cref="WatcherContract"/>).</summary>
/// <remarks>
/// <para>Watches the source volume, applies batches of changes to every destination it was given, asks the operator for
/// full syncs (at its start and after lost events) through its Lease and holds batches while one runs
/// (<see cref="OperatorFullSyncs"/>); the periodic full syncs are the operator's. It publishes its state in the Lease
/// (<see cref="WatcherPublisher"/>) and logs one line per batch and full sync on stderr.</para>
/// <para>Exit codes: 0 when stopped (SIGTERM: the batch in flight finishes) or when the mirror is gone; 1 when the API
/// server could not be used at the start or keys still fail at the end; 2 when it cannot take part (the mirror is not
/// continuous, a mount or credential is missing, no destination was given).</para>
/// </remarks>
internal static class WatchMirrorCommand
{
    private static readonly Option<string> Namespace = new("--namespace") { Description = "The ReplicaMirror's namespace.", Required = true };
    private static readonly Option<string> Mirror = new("--mirror") { Description = "The ReplicaMirror's name.", Required = true };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var command = new Command(WatcherContract.Command, "Watch a continuous ReplicaMirror's source volume and apply its changes to every destination (the watcher pod the operator starts).");
        command.Options.Add(Namespace);
        command.Options.Add(Mirror);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
        return command;
    }

    /// <summary>Runs the watcher until <paramref name="stop"/>.</summary>
    /// <param name="ns">The mirror's namespace.</param>
    /// <param name="name">The mirror's name.</param>
    /// <param name="client">The API client.</param>
    /// <param name="environment">Reads the pod's environment.</param>
    /// <param name="error">Where log lines go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="stop">Stops the watcher (SIGTERM).</param>
    /// <returns>The exit code.</returns>
    internal static async Task<int> RunWatcherAsync(string ns, string name, IKubernetesClient client, Func<string, string?> environment, TextWriter error, TimeProvider time, CancellationToken stop)
    {
        string holder = environment(RunnerContract.PodNameVariable) is { Length: > 0 } pod ? pod
            : environment("HOSTNAME") is { Length: > 0 } host ? host
            : $"{Environment.MachineName}-{Environment.ProcessId}";
        var console = new WatchConsole(TextWriter.Null, error, json: false, quiet: false, time);
        void Log(string line)
        {
            lock (error)
            {
                error.WriteLine($"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {holder}: {line}");
            }
        }

        ReplicaMirror mirror;
        IReadOnlyList<string>? filesFrom = null;
        try
        {
            mirror = await client.GetAsync(ApiResources.ReplicaMirrors, ns, name, null, stop).ConfigureAwait(false);
            SchemaDefaults.Apply(mirror.Spec);
            if (mirror.Spec.FilesFrom is { } selector)
            {
                V1ConfigMap map = await client.GetAsync(KubeResources.ConfigMaps, ns, selector.Name, null, stop).ConfigureAwait(false);
                filesFrom = map.Data.GetOrNull(selector.Key) is { } text
                    ? WorkerCommand.FileList(text)
                    : throw new ConfigurationException($"ConfigMap {selector.Name} has no key {selector.Key} (spec.filesFrom)");
            }
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            Log($"not found: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (KubernetesException e)
        {
            Log($"reading the ReplicaMirror failed: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (ConfigurationException e)
        {
            Log(e.Message);
            return ExitCodes.Usage;
        }

        // Destination i is given under FERRY_DESTINATION_i_ (its NAME too); it reads it as a runner reads FERRY_DESTINATION_.
        var destinations = new List<(MirrorDestination, Func<string, string?>)>();
        for (int i = 0; i < mirror.Spec.Destinations.Count; i++)
        {
            MirrorDestination destination = mirror.Spec.Destinations[i];
            string prefix = WatcherContract.DestinationSide(i);
            if (environment(prefix + "NAME") != destination.Name)
            {
                continue;
            }

            string side = RunnerContract.Side(destination: true);
            destinations.Add((destination, variable => variable.StartsWith(side, StringComparison.Ordinal) ? environment(prefix + variable[side.Length..]) : environment(variable)));
        }

        if (destinations.Count == 0)
        {
            Log("no destination was given to this watcher (FERRY_DESTINATION_i_NAME): nothing to do");
            return ExitCodes.Usage;
        }

        MirrorWatcher watcher;
        try
        {
            watcher = MirrorWatcher.Open(mirror, environment, destinations, filesFrom, new SyncEngineSettings { HolderIdentity = holder, Time = time, OnError = console.Error });
        }
        catch (ConfigurationException e)
        {
            Log(e.Message);
            return ExitCodes.Usage;
        }

        await using (watcher.ConfigureAwait(false))
        {
            var lease = new WatcherLease(client, mirror, holder, time);
            SyncPair[] pairs = [.. watcher.Destinations.Select(d => d.Pair)];
            var fullSyncs = new OperatorFullSyncs(client, mirror, lease, pairs, time, TimeSpan.FromSeconds(2), Log);
            TimeSpan rpo = MirrorTrigger.Parse(mirror.Spec).Rpo(mirror.Spec, time.GetUtcNow()) ?? watcher.Settings.Delay * 4;
            WatcherPublisher? publisher = null;
            var observers = new DeferredObserver();
            ContinuousSync watch = watcher.Watch(watcher.WatchSettings(time, periodicFullSyncs: false), fullSyncs, observers);

            // Heartbeat: often enough that a live watcher is never taken for a dead one within rpo.
            var heartbeat = TimeSpan.FromTicks(Math.Clamp(rpo.Ticks / 3, TimeSpan.FromSeconds(2).Ticks, TimeSpan.FromSeconds(WatcherContract.HeartbeatSeconds).Ticks));
            publisher = new WatcherPublisher(watch, lease, heartbeat, time, Log);
            observers.Inner = new WatchObservers(console, publisher);
            try
            {
                DateTimeOffset started = time.GetUtcNow();
                await lease.PublishAsync(s => s.Started = started, stop).ConfigureAwait(false);
            }
            catch (KubernetesException e)
            {
                Log($"writing the watcher's Lease failed: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (RunGoneException e)
            {
                Log(e.Message);
                return ExitCodes.Success;
            }

            Log($"watching {watcher.Source.Root} for {string.Join(", ", watcher.Destinations.Select(d => d.Destination.Name))} "
                + $"(delay {Ferry.Api.Common.GoDuration.Format(watcher.Settings.Delay)}, maxBatch {watcher.Settings.MaxBatch}, heartbeat {Ferry.Api.Common.GoDuration.Format(heartbeat)})");
            using var publishing = new CancellationTokenSource();
            Task publish = publisher.RunAsync(publishing.Token);
            try
            {
                WatchSummary summary = await watch.RunAsync(stop, CancellationToken.None).ConfigureAwait(false);
                console.Summary(summary);
                return summary.Failing.Count > 0 ? ExitCodes.Failed : ExitCodes.Success;
            }
            catch (RunGoneException e)
            {
                Log(e.Message);
                return ExitCodes.Success;
            }
            catch (KubernetesException e)
            {
                Log($"the API server failed: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (IOException e)
            {
                Log($"cannot watch {watcher.Source.Root}: {e.Message}");
                return ExitCodes.Usage;
            }
            finally
            {
                await publishing.CancelAsync().ConfigureAwait(false);
                await publish.ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        TextWriter error = parseResult.InvocationConfiguration.Error;
        KubernetesClientConfiguration configuration;
        try
        {
            // In a pod: the service account's token, ca.crt and KUBERNETES_SERVICE_HOST/_PORT; elsewhere the kubeconfig.
            configuration = KubeConfig.LoadDefault();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UriFormatException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"ferry: no Kubernetes API configuration: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var client = new KubernetesClient(configuration);
        return await RunWatcherAsync(parseResult.GetRequiredValue(Namespace), parseResult.GetRequiredValue(Mirror), client, Environment.GetEnvironmentVariable, error,
            TimeProvider.System, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An observer set after the watch is built (the publisher needs the watch).</summary>
    private sealed class DeferredObserver : IWatchObserver
    {
        public IWatchObserver? Inner { get; set; }

        public void FullSyncStarted(string reason) => Inner?.FullSyncStarted(reason);

        public void FullSyncFinished(FullSyncReport report) => Inner?.FullSyncFinished(report);

        public void BatchApplied(BatchReport report) => Inner?.BatchApplied(report);

        public void Problem(string message) => Inner?.Problem(message);
    }
}
