using System.Runtime.InteropServices;
using Ferry.Api;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Watching;

/// <summary><c>ferry sync --watch SRC DST</c>: a <see cref="ContinuousSync"/> of one source and one destination in
/// this process, with full syncs and batches through the same engine, its output on the console, and the process's
/// signals: the first SIGINT or SIGTERM stops the watch (the batch in flight finishes), the second aborts it.</summary>
/// <remarks>Exit code 0 when no key is failing at the end, 1 when some are (they are listed), 2 when the source cannot
/// be watched.</remarks>
internal sealed class SyncWatch
{
    private readonly ContinuousSync _watch;
    private readonly SyncPair _pair;
    private readonly WatchConsole _console;

    private SyncWatch(ContinuousSync watch, SyncPair pair, WatchConsole console)
    {
        _watch = watch;
        _pair = pair;
        _console = console;
    }

    /// <summary>Prepares the watch.</summary>
    /// <param name="src">SRC as given (a local path is watched for events).</param>
    /// <param name="source">The source store.</param>
    /// <param name="destination">The destination store.</param>
    /// <param name="options">The sync options.</param>
    /// <param name="settings">The watch settings.</param>
    /// <param name="engine">The engine settings of a plain run (plan output, verbose lines); errors go to the console.</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <param name="json">Whether <c>--json</c> was given.</param>
    /// <param name="quiet">Whether <c>--quiet</c> was given.</param>
    /// <returns>The watch, not started.</returns>
    /// <exception cref="ArgumentException"><c>--limit</c> was given (a watch syncs every change).</exception>
    public static SyncWatch Create(string src, IObjectStorage source, IObjectStorage destination, SyncOptions options, WatchSettings settings,
        SyncEngineSettings engine, TextWriter stdout, TextWriter stderr, bool json, bool quiet)
    {
        if (options.Limit >= 0)
        {
            throw new ConfigurationException("--limit cannot be combined with --watch: a watch syncs every change");
        }

        var console = new WatchConsole(stdout, stderr, json, quiet, settings.Time)
        {
            ShowsStatus = !json && !quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected,
        };
        var pair = new SyncPair(destination.DisplayName, source, destination, options, engine with
        {
            OnError = quiet && json ? null : console.Error,
            Time = settings.Time,
        });
        Func<Action<string, bool>, Action<ChangeSourceProblem>, IChangeSource>? factory = null;
        if (LocalStorageProvider.LocalPathOf(src) is { } path)
        {
            (string directory, string prefix) = path.EndsWith('/') ? (path, "") : (Path.GetDirectoryName(path) ?? "/", Path.GetFileName(path));
            factory = (onChange, onProblem) => new FileSystemChangeSource(directory, prefix, onChange, onProblem);
        }

        var watch = new ContinuousSync(settings, factory, [pair], new LocalFullSyncs([pair]), console);
        return new SyncWatch(watch, pair, console);
    }

    /// <summary>The counters of every batch and full sync so far plus the running one (<c>--metrics</c>).</summary>
    /// <returns>A new counters object.</returns>
    public SyncCounters Snapshot()
    {
        SyncCounters sum = _watch.Totals();
        if (_pair.Running is { } running)
        {
            sum.Add(running.Snapshot());
        }

        return sum;
    }

    /// <summary>Watches until <paramref name="stop"/> (the first signal), then prints the summary.</summary>
    /// <param name="stop">Stops the watch gracefully.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var abort = new CancellationTokenSource();

        // The first signal cancels `stop` (Program.cs handles it); the second aborts the batch in flight.
        int signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) >= 2)
            {
                abort.Cancel();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var statusStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task status = _console.ShowsStatus ? StatusLoopAsync(statusStop.Token) : Task.CompletedTask;
        WatchSummary summary;
        try
        {
            summary = await _watch.RunAsync(stop, abort.Token).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            _console.Problem($"cannot watch the source: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            _console.Problem("aborted: the batch in flight was cancelled (nothing half-written is left)");
            summary = new WatchSummary(0, 0, 0, _watch.Totals(), [.. _watch.Failures.List()], _watch.Pending.Count, TimeSpan.Zero);
        }
        finally
        {
            await statusStop.CancelAsync().ConfigureAwait(false);
            await status.ConfigureAwait(false);
        }

        _console.Summary(summary);
        return summary.Failing.Count > 0 ? ExitCodes.Failed : ExitCodes.Success;
    }

    private async Task StatusLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                _console.Status(_watch.State);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
