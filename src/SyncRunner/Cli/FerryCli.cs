using System.CommandLine;

namespace Ferry.SyncRunner.Cli;

/// <summary>The <c>ferry</c> command line: the root command and its entry point.</summary>
internal static class FerryCli
{
    /// <summary>Creates the root command with every subcommand.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("ferry: sync data between local directories, S3 and SFTP with juicefs sync semantics.");
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(MatchCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(WatchMirrorCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; parse errors exit 2 with one line per error on stderr.</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="output">Standard output (the plan, <c>--json</c>); <see langword="null"/> for the console.</param>
    /// <param name="error">Standard error (progress, summary, errors); <see langword="null"/> for the console.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The exit code: 0 success, 1 some objects failed, 2 usage or configuration error.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        RootCommand root = CreateRootCommand();
        ParseResult parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,

            // Program.cs handles SIGINT/SIGTERM itself and lets the run finish its cleanup (temporary files removed,
            // leases handed back); System.CommandLine's own handler would end the process after 2 s.
            ProcessTerminationTimeout = null,
        };
        if (parseResult.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError e in parseResult.Errors)
            {
                await configuration.Error.WriteLineAsync("ferry: " + e.Message).ConfigureAwait(false);
            }

            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
