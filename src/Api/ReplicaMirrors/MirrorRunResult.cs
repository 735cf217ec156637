using Ferry.Api.Schema;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>How one finished run (one child SyncJob) of a <see cref="ReplicaMirror"/> destination ended.</summary>
public sealed class MirrorRunResult
{
    /// <summary>The child SyncJob's name.</summary>
    [Length(1, 253)]
    public required string SyncJob { get; set; }

    /// <summary><c>Succeeded</c> or <c>Failed</c>.</summary>
    public required MirrorSyncResult Result { get; set; }

    /// <summary>The run's slot (the child's <c>ferry.io/scheduled-time</c>).</summary>
    [Format("date-time")]
    public DateTimeOffset? ScheduledTime { get; set; }

    /// <summary>When the run ended.</summary>
    [Format("date-time")]
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>The child's <c>Complete</c> or <c>Failed</c> condition reason, e.g. <c>MaxDeleteExceeded</c>.</summary>
    [Length(0, 1024)]
    public string? Reason { get; set; }

    /// <summary>Why a failed run failed (the child's <c>lastError</c>), for people; never contains credentials.</summary>
    [Length(0, 4096)]
    public string? Message { get; set; }

    /// <summary>Objects copied.</summary>
    [Minimum(0)]
    public long? Copied { get; set; }

    /// <summary>Bytes copied.</summary>
    [Minimum(0)]
    public long? CopiedBytes { get; set; }

    /// <summary>Destination objects deleted.</summary>
    [Minimum(0)]
    public long? Deleted { get; set; }

    /// <summary>Objects that failed.</summary>
    [Minimum(0)]
    public long? Failed { get; set; }
}
