using System.CommandLine;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Cli;

/// <summary><c>ferry run -f syncjob.yaml [-f secrets.yaml] [--volume CLAIM=DIR] [--workers N]</c>: runs a SyncJob
/// manifest on this machine and prints the status the operator would write (JSON) — the no-cluster way to try a
/// SyncJob.</summary>
/// <remarks>Exit codes as <c>ferry sync</c>: 0 when the SyncJob would end <c>Succeeded</c>, 1 when it would end
/// <c>Failed</c>, 2 for an invalid manifest, a missing Secret or volume mapping.</remarks>
internal static class RunCommand
{
    private static readonly Option<string[]> Files = new("--filename", "-f")
    {
        Description = "A manifest with the SyncJob, or with Secrets and ConfigMaps it references (repeatable).",
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
        var command = new Command("run", "Run a SyncJob manifest locally with N in-process workers and print the status the operator would write.");
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
        LocalRun run;
        Dictionary<string, string> environment;
        int workers;
        try
        {
            var files = new List<(string, string)>();
            foreach (string file in parseResult.GetRequiredValue(Files))
            {
                files.Add((file, await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)));
            }

            var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string mapping in parseResult.GetValue(Volumes) ?? [])
            {
                int eq = mapping.IndexOf('=');
                if (eq <= 0 || eq == mapping.Length - 1)
                {
                    throw new ArgumentException($"--volume {mapping}: expected CLAIM=DIR");
                }

                volumes[mapping[..eq]] = mapping[(eq + 1)..];
            }

            run = LocalRun.Read(files);
            workers = parseResult.GetValue(Workers) ?? run.Job.Spec.Workers ?? 1;
            if (workers < 1)
            {
                throw new ArgumentException("--workers must be at least 1");
            }

            environment = run.Environment(volumes);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or ManifestException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        SyncJobStatus status;
        try
        {
            status = await run.RunAsync(workers, environment, line => WriteLocked(stderr, "ferry: " + line), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or NotSupportedException or IOException or UnauthorizedAccessException or StorageException)
        {
            await stderr.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await stdout.WriteLineAsync(LocalRun.ToJson(status)).ConfigureAwait(false);
        return status.Phase == SyncJobPhase.Succeeded ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static void WriteLocked(TextWriter writer, string line)
    {
        lock (writer)
        {
            writer.WriteLine(line);
        }
    }
}
