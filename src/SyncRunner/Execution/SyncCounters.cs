using System.Text.Json.Serialization;
using Ferry.Api.Runs;

namespace Ferry.SyncRunner.Execution;

/// <summary>
/// Progress counters of a run or of one range task; thread-safe. <c>copied + skipped + excluded + failed</c>
/// equals <c>scanned</c> once the run is done.
/// </summary>
/// <remarks>Names match the SyncJob status <c>progress</c> fields of DESIGN.md and the CLI's <c>--json</c> summary.</remarks>
public sealed class SyncCounters
{
    private long _scanned;
    private long _scannedBytes;
    private long _copied;
    private long _copiedBytes;
    private long _checked;
    private long _skipped;
    private long _skippedBytes;
    private long _deleted;
    private long _excluded;
    private long _extra;
    private long _failed;
    private long _pending;
    private long _deleteCandidates;
    private long _destinationKeys;

    /// <summary>Source keys listed (directories only with <c>--dirs</c>).</summary>
    public long Scanned => Volatile.Read(ref _scanned);

    /// <summary>Bytes of the source keys listed.</summary>
    public long ScannedBytes => Volatile.Read(ref _scannedBytes);

    /// <summary>Keys copied (or created: directories, links).</summary>
    public long Copied => Volatile.Read(ref _copied);

    /// <summary>Bytes copied.</summary>
    public long CopiedBytes => Volatile.Read(ref _copiedBytes);

    /// <summary>Keys whose content was compared (<c>--check-all</c>, <c>--check-new</c>).</summary>
    public long Checked => Volatile.Read(ref _checked);

    /// <summary>Source keys found up to date (or skipped by <c>--existing</c>/<c>--ignore-existing</c>/<c>--update</c>).</summary>
    public long Skipped => Volatile.Read(ref _skipped);

    /// <summary>Bytes of the skipped keys.</summary>
    public long SkippedBytes => Volatile.Read(ref _skippedBytes);

    /// <summary>Keys deleted from the destination (<c>--delete-dst</c>) or the source (<c>--delete-src</c>).</summary>
    public long Deleted => Volatile.Read(ref _deleted);

    /// <summary>Source keys left out by filters, size, age, time or <c>--limit</c>.</summary>
    public long Excluded => Volatile.Read(ref _excluded);

    /// <summary>Destination keys absent in the source (deleted or not).</summary>
    public long Extra => Volatile.Read(ref _extra);

    /// <summary>Keys whose copy, check or delete failed after retries.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Copies planned but not finished yet (display only).</summary>
    public long Pending => Volatile.Read(ref _pending);

    /// <summary>Destination keys <c>--delete-dst</c> would delete (checked against <c>--max-delete</c>).</summary>
    [JsonIgnore]
    public long DeleteCandidates => Volatile.Read(ref _deleteCandidates);

    /// <summary>Destination keys listed (the base of a percentage <c>--max-delete</c>).</summary>
    [JsonIgnore]
    public long DestinationKeys => Volatile.Read(ref _destinationKeys);

    internal void AddScanned(long bytes)
    {
        Interlocked.Increment(ref _scanned);
        Interlocked.Add(ref _scannedBytes, bytes);
    }

    internal void AddCopied(long bytes)
    {
        Interlocked.Increment(ref _copied);
        Interlocked.Add(ref _copiedBytes, bytes);
    }

    internal void AddChecked() => Interlocked.Increment(ref _checked);

    internal void AddSkipped(long bytes)
    {
        Interlocked.Increment(ref _skipped);
        Interlocked.Add(ref _skippedBytes, bytes);
    }

    internal void AddDeleted() => Interlocked.Increment(ref _deleted);

    internal void AddExcluded() => Interlocked.Increment(ref _excluded);

    internal void AddExtra() => Interlocked.Increment(ref _extra);

    internal long AddFailed() => Interlocked.Increment(ref _failed);

    internal void AddPending(long n) => Interlocked.Add(ref _pending, n);

    internal void AddDeleteCandidate() => Interlocked.Increment(ref _deleteCandidates);

    internal void AddDestinationKey() => Interlocked.Increment(ref _destinationKeys);

    /// <summary>Adds every counter of <paramref name="other"/> to this one.</summary>
    /// <param name="other">Counters of a finished range task.</param>
    public void Add(SyncCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Interlocked.Add(ref _scanned, other.Scanned);
        Interlocked.Add(ref _scannedBytes, other.ScannedBytes);
        Interlocked.Add(ref _copied, other.Copied);
        Interlocked.Add(ref _copiedBytes, other.CopiedBytes);
        Interlocked.Add(ref _checked, other.Checked);
        Interlocked.Add(ref _skipped, other.Skipped);
        Interlocked.Add(ref _skippedBytes, other.SkippedBytes);
        Interlocked.Add(ref _deleted, other.Deleted);
        Interlocked.Add(ref _excluded, other.Excluded);
        Interlocked.Add(ref _extra, other.Extra);
        Interlocked.Add(ref _failed, other.Failed);
        Interlocked.Add(ref _deleteCandidates, other.DeleteCandidates);
        Interlocked.Add(ref _destinationKeys, other.DestinationKeys);
    }

    /// <summary>A copy of the current values.</summary>
    /// <returns>New counters with the same values (pending excluded).</returns>
    public SyncCounters Clone()
    {
        var c = new SyncCounters();
        c.Add(this);
        return c;
    }

    /// <summary>These counters in the form a task Lease stores (<see cref="RunAnnotations.Counters"/>).</summary>
    /// <returns>New task counters with the same values (pending excluded).</returns>
    internal TaskCounters ToTaskCounters() => new()
    {
        Scanned = Scanned,
        ScannedBytes = ScannedBytes,
        Copied = Copied,
        CopiedBytes = CopiedBytes,
        Checked = Checked,
        Skipped = Skipped,
        SkippedBytes = SkippedBytes,
        Deleted = Deleted,
        Excluded = Excluded,
        Extra = Extra,
        Failed = Failed,
        DeleteCandidates = DeleteCandidates,
        DestinationKeys = DestinationKeys,
    };

    /// <summary>Counters with the values a task Lease stored.</summary>
    /// <param name="stored">The stored counters.</param>
    /// <returns>New counters.</returns>
    internal static SyncCounters FromTaskCounters(TaskCounters stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var c = new SyncCounters
        {
            _scanned = stored.Scanned,
            _scannedBytes = stored.ScannedBytes,
            _copied = stored.Copied,
            _copiedBytes = stored.CopiedBytes,
            _checked = stored.Checked,
            _skipped = stored.Skipped,
            _skippedBytes = stored.SkippedBytes,
            _deleted = stored.Deleted,
            _excluded = stored.Excluded,
            _extra = stored.Extra,
            _failed = stored.Failed,
            _deleteCandidates = stored.DeleteCandidates,
            _destinationKeys = stored.DestinationKeys,
        };
        return c;
    }
}
