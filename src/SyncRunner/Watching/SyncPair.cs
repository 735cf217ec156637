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
/// <remarks>A batch runs with one ordered listing (<c>listThreads</c> 1) and without <c>--limit</c>. <c>maxDelete</c>
/// bounds the deletes of all batches between two full syncs together (a percentage of the destination's size at the
/// last full sync, since a batch's own listing holds only its keys): a source emptied one directory at a time is held
/// as a full run would hold it at once.</remarks>
/// <param name="name">The destination's name, for messages.</param>
/// <param name="source">The source store (not disposed here).</param>
/// <param name="destination">The destination store (not disposed here).</param>
/// <param name="options">The sync options.</param>
/// <param name="settings">Reporting and clock of the engines.</param>
internal sealed class SyncPair(string name, IObjectStorage source, IObjectStorage destination, SyncOptions options, SyncEngineSettings settings) : IWatchTarget
{
    private long _deletedSinceFullSync;

    public string Name { get; } = name;

    /// <summary>The sync options of a full sync.</summary>
    public SyncOptions Options { get; } = options;

    /// <summary>How many keys the destination held after the last full sync, or <see langword="null"/> before one.</summary>
    public long? DestinationKeys { get; private set; }

    /// <summary>Sets <see cref="DestinationKeys"/> from a full sync that ran elsewhere (a continuous mirror's child
    /// SyncJob): the keys it copied or found up to date.</summary>
    /// <param name="keys">The destination's key count.</param>
    public void FullSyncRanElsewhere(long keys)
    {
        DestinationKeys = Math.Max(0, keys);
        Interlocked.Exchange(ref _deletedSinceFullSync, 0);
    }

    /// <summary>Destination keys the batches deleted since the last full sync.</summary>
    public long DeletedSinceFullSync => Interlocked.Read(ref _deletedSinceFullSync);

    /// <summary>The engine of the running batch or full sync, for progress; <see langword="null"/> between them.</summary>
    public SyncEngine? Running { get; private set; }

    public async Task<TargetResult> ApplyAsync(ChangeSelection selection, CancellationToken cancellationToken)
    {
        SyncOptions batch = Options with { ListThreads = 1, Limit = -1, MaxDelete = BatchMaxDelete() };
        TargetResult result = await RunAsync(new ChangedKeysStorage(source, selection), new ChangedKeysStorage(destination, selection), batch, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _deletedSinceFullSync, result.Result.Counters.Deleted);
        return result;
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
            Interlocked.Exchange(ref _deletedSinceFullSync, 0);
            // After a successful run the destination holds at least every selected source key, and every key it
            // listed that was not deleted.
            DestinationKeys = Math.Max(c.DestinationKeys - c.Deleted, c.Copied + c.Skipped);
        }

        return result;
    }

    /// <summary>The <c>maxDelete</c> of a batch: what is left of the limit after the deletes of the batches since the
    /// last full sync (a percentage taken of <see cref="DestinationKeys"/>; kept as a percentage of the batch's own keys
    /// before any full sync, which only a watch that ran none yet can see).</summary>
    internal string? BatchMaxDelete()
    {
        string? max = Options.MaxDelete?.Trim();
        if (string.IsNullOrEmpty(max))
        {
            return null;
        }

        long allowed;
        if (max.EndsWith('%'))
        {
            if (DestinationKeys is not { } keys)
            {
                return max;
            }

            allowed = (long)Math.Floor(double.Parse(max[..^1], CultureInfo.InvariantCulture) / 100 * keys);
        }
        else
        {
            allowed = long.Parse(max, CultureInfo.InvariantCulture);
        }

        return Math.Max(0, allowed - DeletedSinceFullSync).ToString(CultureInfo.InvariantCulture);
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
