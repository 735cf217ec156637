using System.Globalization;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>The state a continuous mirror's watcher publishes in the annotations of its Lease
/// (<see cref="WatcherContract.LeaseName"/>): one codec for the watcher, which writes it, and the operator, which reads
/// it into <c>status.continuous</c> and decides full syncs from it.</summary>
/// <remarks>The Lease's own fields carry the liveness: <c>holderIdentity</c> is the watcher pod, <c>renewTime</c> its
/// last heartbeat, <c>leaseDurationSeconds</c> how long it may stay silent (judged by the reader's clock, as client-go's
/// leader election does). Times are RFC 3339 in whole seconds, UTC; a missing or malformed annotation reads as
/// absent.</remarks>
public sealed class WatcherState
{
    /// <summary>Annotation of <see cref="Started"/>.</summary>
    public const string StartedAnnotation = "ferry.io/watcher-started";

    /// <summary>Annotation of <see cref="PendingChanges"/>.</summary>
    public const string PendingChangesAnnotation = "ferry.io/pending-changes";

    /// <summary>Annotation of <see cref="OldestPendingChange"/>.</summary>
    public const string OldestPendingChangeAnnotation = "ferry.io/oldest-pending-change";

    /// <summary>Annotation of <see cref="LastBatchTime"/>.</summary>
    public const string LastBatchTimeAnnotation = "ferry.io/last-batch-time";

    /// <summary>Annotation of <see cref="LastBatchKeys"/>.</summary>
    public const string LastBatchKeysAnnotation = "ferry.io/last-batch-keys";

    /// <summary>Annotation of <see cref="FailingKeys"/>.</summary>
    public const string FailingKeysAnnotation = "ferry.io/failing-keys";

    /// <summary>Annotation of <see cref="FullSyncRequested"/>.</summary>
    public const string FullSyncRequestedAnnotation = "ferry.io/full-sync-requested";

    /// <summary>Annotation of <see cref="FullSyncReason"/>.</summary>
    public const string FullSyncReasonAnnotation = "ferry.io/full-sync-reason";

    /// <summary>When the watcher process started watching.</summary>
    public DateTimeOffset? Started { get; set; }

    /// <summary>Changed keys gathered and not applied yet, retries included.</summary>
    public long PendingChanges { get; set; }

    /// <summary>When the oldest change not applied yet was seen, or when events were lost while a full sync is
    /// outstanding; <see langword="null"/> when nothing is pending.</summary>
    public DateTimeOffset? OldestPendingChange { get; set; }

    /// <summary>When the last batch was applied.</summary>
    public DateTimeOffset? LastBatchTime { get; set; }

    /// <summary>How many keys the last batch applied.</summary>
    public long LastBatchKeys { get; set; }

    /// <summary>Keys that failed and wait for a retry.</summary>
    public long FailingKeys { get; set; }

    /// <summary>The latest moment the watcher asked for a full sync: a full sync whose slot is at or after it serves
    /// the request. The watcher asks at its start and after lost events.</summary>
    public DateTimeOffset? FullSyncRequested { get; set; }

    /// <summary>Why the full sync was asked for, e.g. <c>start</c> or <c>overflow</c>.</summary>
    public string? FullSyncReason { get; set; }

    /// <summary>Reads the state from a Lease's annotations.</summary>
    /// <param name="annotations">The annotations, or <see langword="null"/>.</param>
    /// <returns>The state (fields absent in the annotations stay empty).</returns>
    public static WatcherState Parse(IReadOnlyDictionary<string, string>? annotations)
    {
        var state = new WatcherState();
        if (annotations is null)
        {
            return state;
        }

        state.Started = Time(annotations, StartedAnnotation);
        state.PendingChanges = Number(annotations, PendingChangesAnnotation);
        state.OldestPendingChange = Time(annotations, OldestPendingChangeAnnotation);
        state.LastBatchTime = Time(annotations, LastBatchTimeAnnotation);
        state.LastBatchKeys = Number(annotations, LastBatchKeysAnnotation);
        state.FailingKeys = Number(annotations, FailingKeysAnnotation);
        state.FullSyncRequested = Time(annotations, FullSyncRequestedAnnotation);
        state.FullSyncReason = annotations.GetValueOrDefault(FullSyncReasonAnnotation);
        return state;
    }

    /// <summary>Writes the state into a Lease's annotations (absent fields are removed).</summary>
    /// <param name="annotations">The annotations to change.</param>
    /// <exception cref="ArgumentNullException"><paramref name="annotations"/> is null.</exception>
    public void WriteTo(IDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        Put(annotations, StartedAnnotation, Started is { } started ? MirrorChildren.FormatTime(started) : null);
        Put(annotations, PendingChangesAnnotation, PendingChanges.ToString(CultureInfo.InvariantCulture));
        Put(annotations, OldestPendingChangeAnnotation, OldestPendingChange is { } oldest ? MirrorChildren.FormatTime(oldest) : null);
        Put(annotations, LastBatchTimeAnnotation, LastBatchTime is { } batch ? MirrorChildren.FormatTime(batch) : null);
        Put(annotations, LastBatchKeysAnnotation, LastBatchKeys.ToString(CultureInfo.InvariantCulture));
        Put(annotations, FailingKeysAnnotation, FailingKeys.ToString(CultureInfo.InvariantCulture));
        Put(annotations, FullSyncRequestedAnnotation, FullSyncRequested is { } requested ? MirrorChildren.FormatTime(requested) : null);
        Put(annotations, FullSyncReasonAnnotation, FullSyncReason);
    }

    private static void Put(IDictionary<string, string> annotations, string key, string? value)
    {
        if (value is null)
        {
            annotations.Remove(key);
        }
        else
        {
            annotations[key] = value;
        }
    }

    private static DateTimeOffset? Time(IReadOnlyDictionary<string, string> annotations, string key) =>
        annotations.GetValueOrDefault(key) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time)
            ? time
            : null;

    private static long Number(IReadOnlyDictionary<string, string> annotations, string key) =>
        annotations.GetValueOrDefault(key) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : 0;
}
