using Ferry.Api.Sync;
using Ferry.SyncRunner.Filtering;

namespace Ferry.SyncRunner.Planning;

/// <summary>
/// What a sync does and how: the decisions, selections and limits of <c>ferry sync</c> and of a SyncJob's
/// spec (property names follow the SyncJob spec fields of DESIGN.md).
/// </summary>
/// <remarks>Semantics follow the juicefs sync guide, "同步行为" and "模式匹配".</remarks>
public sealed record SyncOptions
{
    /// <summary>Copy when the source mtime (whole seconds) is newer, skip when older, ignoring size (<c>--update</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool Update { get; init; }

    /// <summary>Always copy existing keys (<c>--force-update</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool ForceUpdate { get; init; }

    /// <summary>Compare the content of keys that look equal and copy when they differ (<c>--check-all</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool CheckAll { get; init; }

    /// <summary>Verify the content of every newly copied key (<c>--check-new</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool CheckNew { get; init; }

    /// <summary>After copying, check that the source's size and mtime did not change while it was copied; a changed source counts as failed (<c>--check-change</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool CheckChange { get; init; }

    /// <summary>Only update keys that already exist in the destination, create none (<c>--existing</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool Existing { get; init; }

    /// <summary>Never update keys that exist in the destination (<c>--ignore-existing</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool IgnoreExisting { get; init; }

    /// <summary>
    /// Delete the source keys that the destination already holds equal, as the decision finds them (<c>--delete-src</c>):
    /// a key copied in this run stays in the source and is deleted by the next run. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    /// <remarks>juicefs sync <c>--delete-src</c> (command reference, 1.3: "files won't be deleted at the first run, instead
    /// they will be deleted at the next run, after files are successfully copied"). A key the decision would not copy
    /// because the source is older (<see cref="Update"/>) is kept; with <see cref="CheckAll"/> a key is deleted only
    /// once its content compared equal; with <see cref="Dirs"/> a directory the destination holds is deleted after its
    /// contents, when it is empty by then. Keys the selection leaves out are never deleted; nothing is deleted in a dry
    /// run, and no directory after a failure.</remarks>
    public bool DeleteSrc { get; init; }

    /// <summary>
    /// Delete each source key in the same run once the destination holds it (<c>--delete-src-after</c>): right after its
    /// copy succeeded (verified with <see cref="CheckNew"/>, unchanged with <see cref="CheckChange"/>, and found in the
    /// destination with its size), and, as <see cref="DeleteSrc"/> does, when the destination already held it equal. One
    /// run moves every selected key. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    /// <remarks>juicefs sync <c>--delete-src-after</c> ("delete the source object after successful processing") together
    /// with <c>--delete-src</c>; it is what Ferry's <c>--delete-src</c> did before juicefs 1.3 parity. The same safety
    /// rules apply: never after a failed or unverified copy, never in a dry run, a directory only after its contents.</remarks>
    public bool DeleteSrcAfter { get; init; }

    /// <summary>Delete destination keys absent in the source, never keys the filters exclude (<c>--delete-dst</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool DeleteDst { get; init; }

    /// <summary>Sync directories too, including empty ones (<c>--dirs</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool Dirs { get; init; }

    /// <summary>Preserve Unix permission bits (<c>--perms</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool Perms { get; init; }

    /// <summary>Copy symbolic links as links (<c>--links</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool Links { get; init; }

    /// <summary>Rewrite a changed destination file in place instead of replacing it (<c>--inplace</c>): same inode, hard
    /// links kept, no temporary file, not atomic. Only for file destinations (local directories, volumes); object stores
    /// are refused. <value>Default: <see langword="false"/>.</value></summary>
    /// <remarks>juicefs sync <c>--inplace</c> (1.2): meant with <see cref="Update"/>, for destinations where a rename is
    /// expensive or hard links must survive.</remarks>
    public bool InPlace { get; init; }

    /// <summary>Plan only: copy and delete nothing (<c>--dry</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool DryRun { get; init; }

    /// <summary>Skip objects smaller than this, in bytes (<c>--min-size</c>). <value>Default: <see langword="null"/>, no minimum.</value></summary>
    public long? MinSize { get; init; }

    /// <summary>Skip objects larger than this, in bytes (<c>--max-size</c>). <value>Default: <see langword="null"/>, no maximum.</value></summary>
    public long? MaxSize { get; init; }

    /// <summary>Skip objects modified more recently than this (<c>--min-age</c>). <value>Default: <see langword="null"/>.</value></summary>
    /// <remarks>This and the other age and time filters use the time the listing reports: for S3 that is
    /// <c>LastModified</c> (the upload time), as in juicefs sync, even when the object keeps another mtime in metadata
    /// (see <see cref="Storage.ObjectEntry.ModifiedTimeIsExact"/>).</remarks>
    public TimeSpan? MinAge { get; init; }

    /// <summary>Skip objects modified longer ago than this (<c>--max-age</c>). <value>Default: <see langword="null"/>.</value></summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Skip objects modified before this time (<c>--start-time</c>). <value>Default: <see langword="null"/>.</value></summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Skip objects modified after this time (<c>--end-time</c>). <value>Default: <see langword="null"/>.</value></summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>The first key to sync, inclusive (<c>--start</c>). <value>Default: <see langword="null"/>, from the beginning.</value></summary>
    public string? Start { get; init; }

    /// <summary>The last key to sync, inclusive as in juicefs (<c>--end</c>, a SyncJob's <c>end</c>). <value>Default: <see langword="null"/>, to the end.</value></summary>
    public string? End { get; init; }

    /// <summary>Process at most this many source keys; -1 is unlimited, 0 processes none (<c>--limit</c>). <value>Default: -1 (<see cref="SyncOptionLimits.DefaultLimit"/>).</value></summary>
    public long Limit { get; init; } = SyncOptionLimits.DefaultLimit;

    /// <summary>Concurrent copy workers (<c>--threads</c>). <value>Default: 10.</value></summary>
    public int Threads { get; init; } = SyncOptionLimits.DefaultThreads;

    /// <summary>
    /// Range tasks listed and merge-joined at once (<c>--list-threads</c>). With 1 the whole range is one task
    /// and the source is listed once, in order; with more, a scan cuts the key space by
    /// <see cref="ListDepth"/> and up to this many tasks list their own ranges concurrently. Ignored, with one
    /// ordered listing, when <see cref="Limit"/> is set. <value>Default: 1.</value>
    /// </summary>
    /// <remarks>juicefs sync <c>--list-threads</c> (guide "并发 list").</remarks>
    public int ListThreads { get; init; } = SyncOptionLimits.DefaultListThreads;

    /// <summary>
    /// How many directory levels the scan lists one level at a time to cut the key space at directory
    /// prefixes when <see cref="ListThreads"/> &gt; 1 (<c>--list-depth</c>): 1 cuts at top-level directories
    /// (<c>a/</c>, <c>b/</c>), 2 also at their sub-directories (<c>a/x/</c>). 0 cuts by count instead: the scan
    /// lists the whole range once and cuts every <see cref="TaskObjects"/> keys or <see cref="TaskBytes"/> bytes.
    /// <value>Default: 1, like juicefs.</value>
    /// </summary>
    /// <remarks>juicefs sync <c>--list-depth</c> (pkg/sync <c>startProducer</c>: a prefix with fewer <c>/</c> than the depth is split).</remarks>
    public int ListDepth { get; init; } = SyncOptionLimits.DefaultListDepth;

    /// <summary>Bandwidth limit shared by all threads, in Mbit/s; 0 is unlimited (<c>--bwlimit</c>). <value>Default: 0.</value></summary>
    public double BwLimit { get; init; }

    /// <summary>Most destination keys a run may delete: a count (<c>"100"</c>) or a percentage of the destination (<c>"10%"</c>); exceeding it fails the run before the first delete (<c>--max-delete</c>). <value>Default: <see langword="null"/>, unlimited.</value></summary>
    public string? MaxDelete { get; init; }

    /// <summary>Abort the run once this many objects have failed; -1 or 0 is unlimited (<c>--max-failure</c>, a SyncJob's <c>maxFailures</c>). <value>Default: -1 (<see cref="SyncOptionLimits.DefaultMaxFailures"/>).</value></summary>
    /// <remarks>juicefs sync <c>--max-failure</c>: "max number of allowed failed files (-1 for unlimited)"; like juicefs,
    /// any value below 1 sets no limit.</remarks>
    public long MaxFailures { get; init; } = SyncOptionLimits.DefaultMaxFailures;

    /// <summary>Ordered include/exclude rules (<c>--include</c>, <c>--exclude</c>). <value>Default: empty, everything is synced.</value></summary>
    public IReadOnlyList<FilterRule> Filters { get; init; } = [];

    /// <summary>Match rules against the full path instead of layer by layer (<c>--match-full-path</c>). <value>Default: <see langword="false"/>.</value></summary>
    public bool MatchFullPath { get; init; }

    /// <summary>Only these source keys, or keys below the entries that end in <c>/</c> (<c>--files-from</c>). <value>Default: <see langword="null"/>, every key.</value></summary>
    public IReadOnlyList<string>? FilesFrom { get; init; }

    /// <summary>Whether source keys the destination holds equal are deleted (<see cref="DeleteSrc"/> or <see cref="DeleteSrcAfter"/>).</summary>
    internal bool DeletesEqualSource => DeleteSrc || DeleteSrcAfter;

    /// <summary>About how many source keys one range task covers when the scan cuts by count (<see cref="ListDepth"/> 0,
    /// or <see cref="ListThreads"/> 1 in a distributed run; a SyncJob's <c>taskObjects</c>). <value>Default: 10,000
    /// (<see cref="SyncOptionLimits.DefaultTaskObjects"/>).</value></summary>
    public int TaskObjects { get; init; } = SyncOptionLimits.DefaultTaskObjects;

    /// <summary>About how many source bytes one range task covers at most when the scan cuts by count (a SyncJob's
    /// <c>taskBytes</c>). <value>Default: 8 GiB (<see cref="SyncOptionLimits.DefaultTaskBytes"/>).</value></summary>
    public long TaskBytes { get; init; } = SyncOptionLimits.DefaultTaskBytes;
}
