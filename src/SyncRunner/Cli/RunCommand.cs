using System.CommandLine;
using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Jobs;

namespace Ferry.SyncRunner.Cli;

/// <summary><c>ferry run -f syncjob.yaml [-f secrets.yaml] [--volume CLAIM=DIR] [--workers N]</c>: runs a SyncJob
/// manifest on this machine and prints the status the operator would write (JSON) — the no-cluster way to try a
/// SyncJob. Given a ReplicaMirror, it runs one run of every destination, each as the child SyncJob the operator would
/// create, and prints the mirror status; given a continuous one, it runs its watcher until interrupted
/// (<see cref="LocalMirrorWatch"/>).</summary>
/// <remarks>Exit codes as <c>ferry sync</c>: 0 when the SyncJob (every destination's run) would end <c>Succeeded</c>,
/// 1 when one would end <c>Failed</c>, 2 for an invalid manifest, a missing Secret or volume mapping.</remarks>
internal static class RunCommand
{
    private static readonly Option<string[]> Files = new("--filename", "-f")
    {
        Description = "A manifest with the SyncJob or ReplicaMirror, or with Secrets and ConfigMaps it references (repeatable).",
        Required = true,
        HelpName = "FILE",
    };

    private static readonly Option<string[]> Volumes = new("--volume")
    {
        Description = "Use local directory DIR for PersistentVolumeClaim CLAIM (repeatable).",
        HelpName = "CLAIM=DIR",
    };

    private static readonly Option<int?> Workers = new Option<int?>("--workers") { Description = "In-process workers (default: spec.workers).", HelpName = "N" }.Within(1, Api.Sync.SyncOptionLimits.MaxWorkers);

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var command = new Command("run", "Run a SyncJob (or one run of every destination of a ReplicaMirror) locally with N in-process workers and print the status the operator would write.");
        command.Options.Add(Files);
        command.Options.Add(Volumes);
        command.Options.Add(Workers);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        TextWriter stdout = parseResult.InvocationConfiguration.Output;
        TextWriter stderr = parseResult.InvocationConfiguration.Error;
        int? workers = parseResult.GetValue(Workers);
        try
        {
            var files = new List<(string, string)>();
            foreach (string file in parseResult.GetRequiredValue(Files))
            {
                files.Add((file, await UserInput.OpenAsync(() => File.ReadAllTextAsync(file, cancellationToken)).ConfigureAwait(false)));
            }

            var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string mapping in parseResult.GetValue(Volumes) ?? [])
            {
                int eq = mapping.IndexOf('=');
                if (eq <= 0 || eq == mapping.Length - 1)
                {
                    throw new ConfigurationException($"--volume {mapping}: expected CLAIM=DIR");
                }

                volumes[mapping[..eq]] = mapping[(eq + 1)..];
            }

            var manifests = LocalManifests.Read(files);
            return manifests.Resource is ReplicaMirror mirror
                ? await RunMirrorAsync(mirror, manifests, volumes, workers, stdout, stderr, cancellationToken).ConfigureAwait(false)
                : await RunSyncJobAsync((SyncJob)manifests.Resource, manifests, volumes, workers, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException e)
        {
            await stderr.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
    }

    private static async Task<int> RunSyncJobAsync(SyncJob job, LocalManifests manifests, Dictionary<string, string> volumes, int? workers, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var run = LocalRun.For(job, manifests);
        Dictionary<string, string> environment = run.Environment(volumes);
        SyncJobStatus status = await run.RunAsync(workers ?? run.Job.Spec.Workers ?? Api.Sync.SyncOptionLimits.DefaultWorkers, environment, line => WriteLocked(stderr, "ferry: " + line), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(LocalRun.ToJson(status)).ConfigureAwait(false);
        return status.Phase == SyncJobPhase.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static async Task<int> RunMirrorAsync(ReplicaMirror mirror, LocalManifests manifests, Dictionary<string, string> volumes, int? workers, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (mirror.Spec.Continuous is not null)
        {
            return await LocalMirrorWatch.RunAsync(mirror, manifests, volumes, workers, stdout, stderr, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }

        var run = LocalMirrorRun.Create(mirror, manifests, TimeProvider.System.GetUtcNow());
        IReadOnlyList<Dictionary<string, string>> environments = run.Environments(volumes);
        ReplicaMirrorStatus status = await run.RunAsync(workers, environments, line => WriteLocked(stderr, "ferry: " + line), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(LocalMirrorRun.ToJson(status)).ConfigureAwait(false);
        return LocalMirrorRun.Succeeded(status) ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static void WriteLocked(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }
}
