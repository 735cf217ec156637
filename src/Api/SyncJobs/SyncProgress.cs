using Ferry.Api.Schema;

namespace Ferry.Api.SyncJobs;

/// <summary>Counters of a run, summed over its tasks; every source key is counted once in <c>scanned</c>, and
/// <c>copied + skipped</c> equals the source keys the run selected.</summary>
/// <remarks>The counters juicefs sync prints in its summary (juicefs sync guide); byte counters are in bytes.</remarks>
public sealed class SyncProgress
{
    /// <summary>Source objects listed.</summary>
    [Minimum(0)]
    public long? Scanned { get; set; }

    /// <summary>Bytes of the source objects listed.</summary>
    [Minimum(0)]
    public long? ScannedBytes { get; set; }

    /// <summary>Objects copied to the destination.</summary>
    [Minimum(0)]
    public long? Copied { get; set; }

    /// <summary>Bytes copied to the destination.</summary>
    [Minimum(0)]
    public long? CopiedBytes { get; set; }

    /// <summary>Objects whose content was compared (<c>checkAll</c>, <c>checkNew</c>, <c>checkChange</c>).</summary>
    [Minimum(0)]
    public long? Checked { get; set; }

    /// <summary>Selected objects found up to date and not copied.</summary>
    [Minimum(0)]
    public long? Skipped { get; set; }

    /// <summary>Bytes of the skipped objects.</summary>
    [Minimum(0)]
    public long? SkippedBytes { get; set; }

    /// <summary>Objects deleted (from the destination with <c>deleteDst</c>, from the source with <c>deleteSrc</c> or <c>deleteSrcAfter</c>).</summary>
    [Minimum(0)]
    public long? Deleted { get; set; }

    /// <summary>Source objects left out by filters, size, age or time bounds.</summary>
    [Minimum(0)]
    public long? Excluded { get; set; }

    /// <summary>Destination objects absent from the source and kept (without <c>deleteDst</c>, or in a dry run).</summary>
    [Minimum(0)]
    public long? Extra { get; set; }

    /// <summary>Objects that failed after their retries.</summary>
    [Minimum(0)]
    public long? Failed { get; set; }
}
