using System.Collections.Concurrent;
using System.Globalization;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Watching;

/// <summary>One source and destination with the sync options: applies batches through views of the changed keys
/// (<see cref="ChangedKeysStorage"/>) and runs full syncs, both with the same <see cref="SyncEngine"/>, decisions and
/// filters.</summary>
/// <remarks>A batch runs with one ordered listing (<c>listThreads</c> 1) and without <c>--limit</c>. A percentage
/// <c>maxDelete</c> is taken of the destination's size at the last full sync (a batch's own listing holds only its keys),
/// a count applies to each batch as to each run.</remarks>
/// <param name="name">The destination's name, for messages.</param>
/// <param name="source">The source store (not disposed here).</param>
/// <param name="destination">The destination store (not disposed here).</param>
/// <param name="options">The sync options.</param>
/// <param name="settings">Reporting and clock of the engines.</param>
internal sealed class SyncPair(string name, IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings settings) : IWatchTarget
{
    public string Name { get; } = name;

    /// <summary>The sync options of a full sync.</summary>
    public SyncOptions Options { get; } = options;

    /// <summary>How many keys the destination held after the last full sync, or <see langword="null"/> before one.</summary>
    public long? DestinationKeys { get; private set; }

    /// <summary>The engine of the running batch or full sync, for progress; <see langword="null"/> between them.</summary>
    public SyncEngine? Running { get; private set; }

    public async Task<TargetResult> ApplyAsync(ChangeSelection selection, CancellationToken cancellationToken)
    {
        SyncOptions batch = Options with { ListThreads = 1, Limit = -1, MaxDelete = BatchMaxDelete() };
        return await RunAsync(new ChangedKeysStorage(source, selection), new ChangedKeysStorage(destination, selection), batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a full sync of this destination.</summary>
    /// <param name="cancellationToken">Aborts it.</param>
    /// <returns>What happened.</returns>
    public async Task<TargetResult> FullSyncAsync(CancellationToken cancellationToken)
    {
        TargetResult result = await RunAsync(source, destination, Options, cancellationToken).ConfigureAwait(false);
        SyncCounters c = result.Result.Counters;
        if (result.Result.Outcome == SyncOutcome.Succeeded && !Options.DryRun)
        {
            // After a successful run the destination holds at least every selected source key, and every key it
            // listed that was not deleted.
            DestinationKeys = Math.Max(c.DestinationKeys - c.Deleted, c.Copied + c.Skipped);
        }

        return result;
    }

    /// <summary>The <c>maxDelete</c> of a batch: a count as given, a percentage of <see cref="DestinationKeys"/>.</summary>
    internal string? BatchMaxDelete()
    {
        string? max = Options.MaxDelete?.Trim();
        if (string.IsNullOrEmpty(max) || !max.EndsWith('%') || DestinationKeys is not { } keys)
        {
            return max;
        }

        double percent = double.Parse(max[..^1], CultureInfo.InvariantCulture);
        return ((long)Math.Floor(percent / 100 * keys)).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<TargetResult> RunAsync(IObjectStorage from, IObjectStorage to, SyncOptions runOptions, CancellationToken cancellationToken)
    {
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        Action<string, string>? outer = settings.OnFailed;
        var engine = new SyncEngine(from, to, runOptions, settings with
        {
            OnFailed = (key, message) =>
            {
                failed[key] = message;
                outer?.Invoke(key, message);
            },
        });
        Running = engine;
        try
        {
            SyncResult result = await engine.RunAsync(new InProcessWorkQueue(), cancellationToken).ConfigureAwait(false);
            return new TargetResult(Name, result, failed);
        }
        finally
        {
            Running = null;
        }
    }
}
