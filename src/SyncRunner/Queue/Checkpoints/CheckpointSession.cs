using System.Globalization;
using Ferry.Api;
using Ferry.Api.Runs;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Queue.Checkpoints;

/// <summary>
/// One <c>ferry sync --enable-checkpoint</c> run: finds the checkpoint, refuses one made by another sync (other SRC, DST
/// or options) unless reset, restores the queue from it, and at the end deletes it (success) or saves the last state
/// (failure, interruption) so that the next run resumes.
/// </summary>
/// <remarks>juicefs sync <c>--enable-checkpoint</c>, <c>--checkpoint-interval</c> (default 10 s) and
/// <c>--checkpoint-force-reset</c> (command reference 1.3). Unlike juicefs, which starts afresh when the options
/// differ, a mismatch is refused: a silent restart would recopy what the user may have meant to resume.</remarks>
internal sealed class CheckpointSession : IAsyncDisposable
{
    private readonly CheckpointFile _file;

    private CheckpointSession(CheckpointFile file, CheckpointedWorkQueue queue, TaskCounters? resumed, string? resumeMessage)
    {
        _file = file;
        Queue = queue;
        ResumedCounters = resumed;
        ResumeMessage = resumeMessage;
    }

    /// <summary>The run's queue.</summary>
    public CheckpointedWorkQueue Queue { get; }

    /// <summary>The counters of the tasks done before this run (the engine's <c>SyncEngineSettings.ResumedCounters</c>), or
    /// <see langword="null"/> when the run starts afresh.</summary>
    public TaskCounters? ResumedCounters { get; }

    /// <summary>One line saying that and where the run resumes, or <see langword="null"/> when it starts afresh.</summary>
    public string? ResumeMessage { get; }

    /// <summary>The key to hide from the run's listings (the checkpoint inside the destination), or <see langword="null"/>.</summary>
    public string? HiddenKey => _file.KeyInDestination;

    /// <summary>Where the checkpoint is kept.</summary>
    public string Location => _file.Location;

    /// <summary>Opens the checkpoint of a run of <paramref name="source"/> to <paramref name="destination"/>.</summary>
    /// <param name="source">SRC.</param>
    /// <param name="destination">DST.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="directory"><c>--checkpoint-dir</c>, or <see langword="null"/> for the destination itself.</param>
    /// <param name="forceReset"><c>--checkpoint-force-reset</c>: ignore (and later overwrite) any checkpoint.</param>
    /// <param name="interval"><c>--checkpoint-interval</c>.</param>
    /// <param name="time">The clock.</param>
    /// <param name="onError">Told about failed saves.</param>
    /// <param name="cancellationToken">Cancels reading the checkpoint.</param>
    /// <returns>The session.</returns>
    /// <exception cref="ConfigurationException">The checkpoint belongs to another sync, is not a checkpoint, or could not
    /// be read.</exception>
    public static async Task<CheckpointSession> OpenAsync(
        IObjectStorage source, IObjectStorage destination, SyncOptions options, string? directory, bool forceReset, TimeSpan interval,
        TimeProvider time, Action<string>? onError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        CheckpointFile file = CheckpointFile.For(destination, directory);
        var header = new CheckpointDocument
        {
            Source = source.DisplayName,
            Destination = destination.DisplayName,
            Options = CheckpointFile.Fingerprint(options),
        };
        var inner = new InProcessWorkQueue();
        TaskCounters? resumed = null;
        string? message = null;
        try
        {
            CheckpointDocument? saved = forceReset ? null : await file.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (saved is not null)
            {
                if (CheckpointFile.Mismatch(saved, header.Source, header.Destination, header.Options) is { } difference)
                {
                    throw new ConfigurationException(
                        $"checkpoint {file.Location} was made by another sync: {difference}; run that sync again to resume it, or start this one over with --checkpoint-force-reset");
                }

                resumed = CheckpointedWorkQueue.Restore(inner, saved);
                message = Describe(file, saved, resumed);
            }
        }
        catch (Exception e) when (e is InvalidDataException or StorageException)
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw new ConfigurationException(e is StorageException ? $"checkpoint {file.Location} could not be read: {e.Message}" : e.Message, e);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new CheckpointSession(file, new CheckpointedWorkQueue(inner, file, header, interval, time, onError), resumed, message);
    }

    /// <summary>Ends the run: a succeeded run deletes the checkpoint (there is nothing left to resume), any other saves
    /// the queue's last state.</summary>
    /// <param name="succeeded">Whether the run succeeded.</param>
    /// <returns>A task that completes when done.</returns>
    public async Task FinishAsync(bool succeeded)
    {
        if (!succeeded)
        {
            await Queue.SaveAsync(CancellationToken.None).ConfigureAwait(false);
            return;
        }

        try
        {
            await _file.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // A leftover checkpoint of a finished run resumes to a no-op run; nothing is lost.
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _file.DisposeAsync();

    private static string Describe(CheckpointFile file, CheckpointDocument saved, TaskCounters done)
    {
        int total = saved.Tasks.Count;
        int finished = saved.Tasks.Count(t => t.State == RangeTaskState.Done);
        string after = string.Join(", ", saved.Tasks.Where(t => t.State != RangeTaskState.Done && t.LastKey is not null).Select(t => $"'{t.LastKey}'"));
        long keys = done.Scanned + saved.Tasks.Where(t => t.State != RangeTaskState.Done)
            .Sum(t => TaskCounters.Parse(t.Counters?.ToJsonString())?.Scanned ?? 0);
        return string.Create(CultureInfo.InvariantCulture, $"resuming from checkpoint {file.Location} of {saved.SavedAt:u}: {finished} of {total} range task(s) done, {keys} key(s) finished; ")
            + (after.Length > 0 ? $"the rest continues after {after}" : "the rest starts at its beginning")
            + (saved.ScanDone ? "" : "; the scan continues from its cursor");
    }
}
