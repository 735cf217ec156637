using System.Text.Json;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;

namespace Ferry.Api.Runs;

/// <summary>The counters of one range task as stored in its Lease (<see cref="RunAnnotations.Counters"/>, JSON with
/// camelCase names through <see cref="Serialization.ApiJsonContext"/>); the operator sums them over a run's Leases
/// into <see cref="SyncJobStatus.Progress"/>.</summary>
/// <remarks>Counts are objects (keys) unless the name ends in <c>Bytes</c>. <c>copied + skipped + excluded + failed</c>
/// of the copy tasks equals their <c>scanned</c> once the run is done. Deletes are counted by the delete tasks.</remarks>
public sealed class TaskCounters
{
    /// <summary>Source keys listed.</summary>
    public long Scanned { get; set; }

    /// <summary>Bytes of the source keys listed.</summary>
    public long ScannedBytes { get; set; }

    /// <summary>Keys copied.</summary>
    public long Copied { get; set; }

    /// <summary>Bytes copied.</summary>
    public long CopiedBytes { get; set; }

    /// <summary>Keys whose content was compared.</summary>
    public long Checked { get; set; }

    /// <summary>Source keys found up to date.</summary>
    public long Skipped { get; set; }

    /// <summary>Bytes of the skipped keys.</summary>
    public long SkippedBytes { get; set; }

    /// <summary>Keys deleted.</summary>
    public long Deleted { get; set; }

    /// <summary>Source keys left out by filters or limits.</summary>
    public long Excluded { get; set; }

    /// <summary>Destination keys absent in the source.</summary>
    public long Extra { get; set; }

    /// <summary>Keys that failed after retries.</summary>
    public long Failed { get; set; }

    /// <summary>Destination keys that a <c>deleteDst</c> run would delete (counted by copy tasks, for <c>maxDelete</c>).</summary>
    public long DeleteCandidates { get; set; }

    /// <summary>Destination keys listed by copy tasks (the base of a percentage <c>maxDelete</c>).</summary>
    public long DestinationKeys { get; set; }

    /// <summary>Adds <paramref name="other"/> to these counters.</summary>
    /// <param name="other">The counters to add.</param>
    public void Add(TaskCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Scanned += other.Scanned;
        ScannedBytes += other.ScannedBytes;
        Copied += other.Copied;
        CopiedBytes += other.CopiedBytes;
        Checked += other.Checked;
        Skipped += other.Skipped;
        SkippedBytes += other.SkippedBytes;
        Deleted += other.Deleted;
        Excluded += other.Excluded;
        Extra += other.Extra;
        Failed += other.Failed;
        DeleteCandidates += other.DeleteCandidates;
        DestinationKeys += other.DestinationKeys;
    }

    /// <summary>A copy of these counters.</summary>
    /// <returns>New counters with the same values.</returns>
    public TaskCounters Clone()
    {
        var copy = new TaskCounters();
        copy.Add(this);
        return copy;
    }

    /// <summary>Reads counters as stored in <see cref="RunAnnotations.Counters"/>.</summary>
    /// <param name="json">The annotation's value, or <see langword="null"/> when absent.</param>
    /// <returns>The counters, or <see langword="null"/> when absent or not readable (a Lease written by something
    /// else); no exception.</returns>
    public static TaskCounters? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, ApiJsonContext.Default.TaskCounters);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>These counters as stored in <see cref="RunAnnotations.Counters"/> (JSON, camelCase).</summary>
    /// <returns>The annotation value.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, ApiJsonContext.Default.TaskCounters);

    /// <summary>The status <c>progress</c> these counters amount to.</summary>
    /// <returns>A new <see cref="SyncProgress"/> with every field set.</returns>
    public SyncProgress ToProgress() => new()
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
    };
}
