using System.CommandLine;
using Ferry.Api;
using Ferry.Api.Runs;
using Ferry.Api.Schema;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Queue.Kubernetes;
using Ferry.SyncRunner.Storage;
using k8s;
using k8s.Authentication;
using k8s.Models;
using KubernetesException = Ferry.Kube.Errors.KubernetesException;

namespace Ferry.SyncRunner.Cli;

/// <summary><c>ferry worker --namespace NS --syncjob NAME --run UID [--lease-duration SECONDS] [--metrics ADDR]</c>:
/// one runner pod of a SyncJob run, sharing the run's lease-coordinated queue with the other pods.</summary>
/// <remarks>The contract with the operator is <see cref="RunnerContract"/>: the spec is read from the API server,
/// credentials from the environment and mounted files. Exit code 0 once the queue is finished, whatever the run's
/// outcome (the outcome is in the scan Lease); 2 when the worker cannot take part (SyncJob gone or of another run,
/// invalid spec, missing credentials or mounts); 1 when the API server could not be used; 130 when stopped by SIGTERM
/// or SIGINT (its Leases handed back first).</remarks>
internal static class WorkerCommand
{
    private static readonly Option<string> Namespace = new("--namespace") { Description = "The SyncJob's namespace.", Required = true };
    private static readonly Option<string> SyncJobName = new("--syncjob") { Description = "The SyncJob's name.", Required = true };
    private static readonly Option<string> Run = new("--run") { Description = "The run: the SyncJob's metadata.uid.", Required = true };

    private static readonly Option<int> LeaseDuration = new("--lease-duration")
    {
        Description = "Seconds a task or scan lease lasts without renewal; holders renew every third of it.",
        DefaultValueFactory = _ => RunnerContract.DefaultLeaseDurationSeconds,
        HelpName = "SECONDS",
    };

    private static readonly Option<string?> Metrics = new("--metrics") { Description = "Serve Prometheus metrics of this worker on http://ADDR/metrics (e.g. 0.0.0.0:9567).", HelpName = "ADDR" };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var command = new Command(RunnerContract.WorkerCommand, "Run as one worker of a SyncJob run inside the cluster (started by the operator's runner Job).");
        command.Options.Add(Namespace);
        command.Options.Add(SyncJobName);
        command.Options.Add(Run);
        command.Options.Add(LeaseDuration);
        command.Options.Add(Metrics);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
        return command;
    }

    /// <summary>Runs one worker to the end of the queue.</summary>
    internal static async Task<int> RunWorkerAsync(WorkerArguments arguments, IKubernetesClient client, Func<string, string?> environment, TextWriter error, CancellationToken cancellationToken)
    {
        TimeProvider time = arguments.Time;
        string holder = environment(RunnerContract.PodNameVariable) is { Length: > 0 } pod ? pod
            : environment("HOSTNAME") is { Length: > 0 } host ? host
            : $"{Environment.MachineName}-{Environment.ProcessId}";
        var log = new WorkerLog(error, $"{arguments.Namespace}/{arguments.SyncJobName}", holder, time);
        try
        {
            return await WorkAsync(arguments, client, environment, holder, log, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            log.Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    /// <summary>Reads the SyncJob and works on its queue to the end.</summary>
    /// <exception cref="ConfigurationException">The spec, its <c>filesFrom</c> ConfigMap, a credential or a mount cannot
    /// be used.</exception>
    private static async Task<int> WorkAsync(WorkerArguments arguments, IKubernetesClient client, Func<string, string?> environment, string holder, WorkerLog log, CancellationToken cancellationToken)
    {
        TimeProvider time = arguments.Time;
        SyncJob job;
        IReadOnlyList<string>? filesFrom = null;
        try
        {
            job = await client.GetAsync(ApiResources.SyncJobs, arguments.Namespace, arguments.SyncJobName, null, cancellationToken).ConfigureAwait(false);
            if (job.Metadata.Uid != arguments.RunUid)
            {
                log.Error($"the SyncJob is run {job.Metadata.Uid}, not {arguments.RunUid}: this run is over");
                return ExitCodes.Usage;
            }

            SchemaDefaults.Apply(job.Spec);
            if (job.Spec.FilesFrom is { } selector)
            {
                V1ConfigMap map = await client.GetAsync(KubeResources.ConfigMaps, arguments.Namespace, selector.Name, null, cancellationToken).ConfigureAwait(false);
                filesFrom = map.Data.GetOrNull(selector.Key) is { } text
                    ? FileList(text)
                    : throw new ConfigurationException($"ConfigMap {selector.Name} has no key {selector.Key} (spec.filesFrom)");
            }
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            log.Error($"not found: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (KubernetesException e)
        {
            log.Error($"reading the SyncJob failed: {e.Message}");
            return ExitCodes.Failed;
        }

        await using var queue = new LeaseWorkQueue(client, new LeaseWorkQueueOptions
        {
            Namespace = arguments.Namespace,
            SyncJobName = arguments.SyncJobName,
            RunUid = arguments.RunUid,
            LeaseDuration = arguments.LeaseDuration,
            PollInterval = arguments.PollInterval,
            Time = time,
            Log = log.Info,
        });

        SyncOptions options;
        IObjectStorage source;
        IObjectStorage destination;
        try
        {
            if (await queue.GetOutcomeAsync(cancellationToken).ConfigureAwait(false) is { } finished)
            {
                log.Info($"the run is already finished ({(finished.Succeeded ? RunOutcomes.Succeeded : RunOutcomes.Failed)}); nothing to do");
                return ExitCodes.Success;
            }

            options = SyncJobTranslator.ToOptions(job.Spec, filesFrom);
            source = UserInput.Open(() => SyncJobTranslator.CreateStorage(job.Spec.Source, destination: false, environment));
            destination = UserInput.Open(() => SyncJobTranslator.CreateStorage(job.Spec.Destination, destination: true, environment));
        }
        catch (KubernetesException e)
        {
            log.Error($"reading the run's Leases failed: {e.Message}");
            return ExitCodes.Failed;
        }

        ThreadPool.GetMinThreads(out int workerMin, out int ioMin);
        ThreadPool.SetMinThreads(Math.Max(workerMin, options.Threads + options.ListThreads + 4), ioMin);
        await using (source.ConfigureAwait(false))
        await using (destination.ConfigureAwait(false))
        {
            SyncEngine engine = new(source, destination, options, new SyncEngineSettings
            {
                HolderIdentity = holder,
                Distributed = true,
                Time = time,
                OnError = log.Error,
            });

            using var metrics = new SyncMetrics(engine.Snapshot);
            IDisposable? exporter = null;
            try
            {
                exporter = RunnerTelemetry.Start(metrics.Meter, arguments.MetricsAddress, environment);

                log.Info($"syncing {SyncJobTranslator.Describe(job.Spec.Source)} to {SyncJobTranslator.Describe(job.Spec.Destination)} "
                    + $"({options.Threads} threads, tasks of about {options.TaskObjects} keys)");
                SyncResult result = await engine.RunAsync(queue, cancellationToken).ConfigureAwait(false);
                QueueStatus copies = await queue.GetStatusAsync(RangeTaskPhase.Copy, cancellationToken).ConfigureAwait(false);
                SyncCounters mine = result.Counters;
                log.Info($"queue finished: run {(result.Outcome == SyncOutcome.Succeeded ? RunOutcomes.Succeeded : $"{RunOutcomes.Failed} ({result.Failure}: {result.Reason})")}; "
                    + $"{copies.Done + copies.Failed} copy task(s), run scanned {copies.Counters.Scanned}, copied {copies.Counters.Copied}; "
                    + $"this worker copied {mine.Copied} ({mine.CopiedBytes} bytes), skipped {mine.Skipped}, failed {mine.Failed} in {result.Elapsed.TotalSeconds:0.0}s");
                return ExitCodes.Success;
            }
            catch (KubernetesException e)
            {
                log.Error($"the API server failed: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (RunGoneException e)
            {
                log.Error(e.Message);
                return ExitCodes.Usage;
            }
            catch (Exception e) when (e is ArgumentException or System.Net.HttpListenerException)
            {
                log.Error($"--metrics {arguments.MetricsAddress}: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Never 0: in the work-queue pattern one pod exiting 0 completes the Job.
                log.Info("stopped: the held leases are handed back to the other workers");
                return ExitCodes.Interrupted;
            }
            finally
            {
                exporter?.Dispose();
            }
        }
    }

    /// <summary>The keys of a <c>filesFrom</c> list: one per line, blank lines ignored.</summary>
    internal static IReadOnlyList<string> FileList(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToArray();

    private static async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        TextWriter error = parseResult.InvocationConfiguration.Error;
        int leaseSeconds = parseResult.GetValue(LeaseDuration);
        if (leaseSeconds is < 3 or > 86_400)
        {
            await error.WriteLineAsync($"ferry: --lease-duration must be between 3 and 86400 seconds (got {leaseSeconds})").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var arguments = new WorkerArguments(
            parseResult.GetRequiredValue(Namespace),
            parseResult.GetRequiredValue(SyncJobName),
            parseResult.GetRequiredValue(Run),
            TimeSpan.FromSeconds(leaseSeconds))
        {
            MetricsAddress = parseResult.GetValue(Metrics),
        };
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
        return await RunWorkerAsync(arguments, client, Environment.GetEnvironmentVariable, error, cancellationToken).ConfigureAwait(false);
    }
}
