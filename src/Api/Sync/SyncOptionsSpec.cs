using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ferry.Api.Common;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using k8s.Models;
using IntOrString = Ferry.Api.Common.IntOrString;

namespace Ferry.Api.Sync;

/// <summary>The sync options a <c>SyncJob</c> and a <c>ReplicaMirror</c> share: which keys are selected, how
/// each key is decided, how deletions are guarded, and how the work is spread over runner pods.</summary>
/// <remarks>Each option mirrors the <c>juicefs sync</c> flag of the same name (juicefs sync guide); a
/// <c>ReplicaMirror</c> copies these fields into the spec of every child <c>SyncJob</c> it creates.</remarks>
[ValidationRule("!has(self.existing) || !has(self.ignoreExisting) || !(self.existing && self.ignoreExisting)",
    "existing and ignoreExisting together would select nothing")]
[ValidationRule("!has(self.startTime) || !has(self.endTime) || self.startTime < self.endTime",
    "startTime must be before endTime")]
[ValidationRule("!has(self.start) || !has(self.end) || self.end == '' || self.start <= self.end",
    "start must not sort after end")]
public abstract class SyncOptionsSpec
{
    /// <summary>Ordered include/exclude rules; the first rule that matches a key decides (juicefs sync
    /// <c>--include</c>/<c>--exclude</c>).</summary>
    /// <value>None: every key is selected.</value>
    [Items(0, 256)]
    public List<FilterRuleSpec>? Filters { get; set; }

    /// <summary>Match each rule against the key's full path instead of layer by layer (juicefs sync
    /// <c>--match-full-path</c>).</summary>
    /// <value><see langword="false"/>: layer-by-layer matching, compatible with rsync.</value>
    public bool? MatchFullPath { get; set; }

    /// <summary>A ConfigMap key listing, one per line, the keys or prefixes (ending in <c>/</c>) to sync instead
    /// of listing the whole source (juicefs sync <c>--files-from</c>).</summary>
    public V1ConfigMapKeySelector? FilesFrom { get; set; }

    /// <summary>Copy a key when the source is newer (mtime in whole seconds) even when sizes are equal, and skip it
    /// when the source is older (juicefs sync <c>--update</c>).</summary>
    /// <value><see langword="false"/> in a SyncJob; <see langword="true"/> in a ReplicaMirror, so that an edit that keeps
    /// a file's size is mirrored too.</value>
    public bool? Update { get; set; }

    /// <summary>Always copy every selected key (juicefs sync <c>--force-update</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? ForceUpdate { get; set; }

    /// <summary>Compare the content of every key present on both sides, not only size and mtime (juicefs sync
    /// <c>--check-all</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? CheckAll { get; set; }

    /// <summary>Verify the content of newly copied keys (juicefs sync <c>--check-new</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? CheckNew { get; set; }

    /// <summary>After copying a key, check that the source's size and mtime did not change while it was copied; a key
    /// that changed counts as failed (juicefs sync <c>--check-change</c>).</summary>
    /// <value><see langword="false"/>.</value>
    /// <remarks>juicefs 1.3 <c>checkChange</c>: the source is read again (HEAD) after the copy and compared with the
    /// listing's size and mtime.</remarks>
    public bool? CheckChange { get; set; }

    /// <summary>Only update keys that already exist in the destination; never create new ones (juicefs sync
    /// <c>--existing</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Existing { get; set; }

    /// <summary>Only create keys missing in the destination; never update existing ones (juicefs sync
    /// <c>--ignore-existing</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? IgnoreExisting { get; set; }

    /// <summary>Delete the source keys the destination already holds equal (juicefs sync <c>--delete-src</c>): keys
    /// copied in this run stay in the source and are deleted by the next run. With <c>dirs</c>, a directory goes after its
    /// contents. Never in a dry run, never keys the filters leave out. Not allowed in a ReplicaMirror.</summary>
    /// <value><see langword="false"/>.</value>
    /// <remarks>juicefs 1.3 command reference, <c>--delete-src</c>: "files won't be deleted at the first run, instead
    /// they will be deleted at the next run". Use <c>deleteSrcAfter</c> to move keys in one run.</remarks>
    public bool? DeleteSrc { get; set; }

    /// <summary>Delete each source key in the same run once the destination holds it: right after its copy succeeded
    /// (and was verified with <c>checkNew</c>), or when the destination already held it equal (juicefs sync
    /// <c>--delete-src-after</c> with <c>--delete-src</c>). One run moves every selected key; a failed copy keeps its key.
    /// Not allowed in a ReplicaMirror.</summary>
    /// <value><see langword="false"/>.</value>
    /// <remarks>This is what <c>deleteSrc</c> did before Ferry followed juicefs 1.3.</remarks>
    public bool? DeleteSrcAfter { get; set; }

    /// <summary>Delete destination keys absent from the source, after every copy succeeded and within
    /// <c>maxDelete</c> (juicefs sync <c>--delete-dst</c>).</summary>
    /// <value><see langword="false"/> in a SyncJob; <see langword="true"/> in a ReplicaMirror.</value>
    public bool? DeleteDst { get; set; }

    /// <summary>Rewrite a changed destination file in place instead of writing a new file and renaming it (juicefs sync
    /// <c>--inplace</c>): the file keeps its inode and hard links, and a reader may see it half rewritten. Meant with
    /// <c>update</c>, for volume destinations; refused (the run fails before copying) for S3 and SFTP destinations.</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Inplace { get; set; }

    /// <summary>Sync directories as well, including empty ones (juicefs sync <c>--dirs</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Dirs { get; set; }

    /// <summary>Preserve permission bits between file-like stores (juicefs sync <c>--perms</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Perms { get; set; }

    /// <summary>Copy symbolic links as links instead of following them (juicefs sync <c>--links</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? Links { get; set; }

    /// <summary>Decide every key and count the actions, but copy and delete nothing (juicefs sync <c>--dry</c>).</summary>
    /// <value><see langword="false"/>.</value>
    public bool? DryRun { get; set; }

    /// <summary>Skip objects smaller than this many bytes; an integer or a quantity such as <c>1Mi</c> (juicefs sync
    /// <c>--min-size</c>).</summary>
    /// <value>No lower bound.</value>
    [Minimum(0), Length(1, 64), Pattern(SchemaPatterns.ByteQuantity)]
    public IntOrString? MinSize { get; set; }

    /// <summary>Skip objects larger than this many bytes; an integer or a quantity such as <c>10Gi</c> (juicefs
    /// sync <c>--max-size</c>).</summary>
    /// <value>No upper bound.</value>
    [Minimum(0), Length(1, 64), Pattern(SchemaPatterns.ByteQuantity)]
    public IntOrString? MaxSize { get; set; }

    /// <summary>Skip objects modified more recently than this duration ago, e.g. <c>10m</c> (juicefs sync
    /// <c>--min-age</c>).</summary>
    /// <value>No bound.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? MinAge { get; set; }

    /// <summary>Skip objects modified longer ago than this duration, e.g. <c>720h</c> (juicefs sync
    /// <c>--max-age</c>).</summary>
    /// <value>No bound.</value>
    [Length(1, 64), Pattern(SchemaPatterns.Duration)]
    public string? MaxAge { get; set; }

    /// <summary>Skip objects modified before this time, RFC 3339 (juicefs sync <c>--start-time</c>).</summary>
    /// <value>No bound.</value>
    [Format("date-time")]
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Skip objects modified after this time, RFC 3339 (juicefs sync <c>--end-time</c>).</summary>
    /// <value>No bound.</value>
    [Format("date-time")]
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>The first key to sync, inclusive, relative to the source prefix (juicefs sync <c>--start</c>).</summary>
    /// <value>Empty: from the first key.</value>
    [Length(0, 1024)]
    public string? Start { get; set; }

    /// <summary>The last key to sync, inclusive, relative to the source prefix (juicefs sync <c>--end</c>).</summary>
    /// <value>Empty: to the last key.</value>
    /// <remarks>juicefs compares <c>key &gt; end</c> to stop, so <c>end</c> itself is synced; before Ferry followed
    /// juicefs here, a SyncJob's <c>end</c> was exclusive.</remarks>
    [Length(0, 1024)]
    public string? End { get; set; }

    /// <summary>The most objects to sync; the run stops selecting keys after this many, and 0 selects none (juicefs sync
    /// <c>--limit</c>).</summary>
    /// <value>No limit.</value>
    [Minimum(0)]
    public long? Limit { get; set; }

    /// <summary>Runner pods that share the work through the lease queue (the Job's <c>parallelism</c>). May change
    /// while a SyncJob runs: the queue lets workers join and leave at any time.</summary>
    /// <value>1.</value>
    [MutableAfterStart, Minimum(1), Maximum(SyncOptionLimits.MaxWorkers), DefaultValue(SyncOptionLimits.DefaultWorkers)]
    public int? Workers { get; set; }

    /// <summary>Concurrent copy operations in each runner pod (juicefs sync <c>--threads</c>).</summary>
    /// <value>10.</value>
    [Minimum(1), Maximum(SyncOptionLimits.MaxThreads), DefaultValue(SyncOptionLimits.DefaultThreads)]
    public int? Threads { get; set; }

    /// <summary>Concurrent list operations in each runner pod (juicefs sync <c>--list-threads</c>).</summary>
    /// <value>1.</value>
    [Minimum(1), Maximum(SyncOptionLimits.MaxListThreads), DefaultValue(SyncOptionLimits.DefaultListThreads)]
    public int? ListThreads { get; set; }

    /// <summary>How many directory levels deep listing runs in parallel (juicefs sync <c>--list-depth</c>); 0 lists no
    /// level in parallel and cuts the key space every <c>taskObjects</c> keys instead.</summary>
    /// <value>1.</value>
    [Minimum(SyncOptionLimits.MinListDepth), Maximum(SyncOptionLimits.MaxListDepth), DefaultValue(SyncOptionLimits.DefaultListDepth)]
    public int? ListDepth { get; set; }

    /// <summary>Bandwidth limit of each runner pod in Mbit/s, shared by its threads; 0 for none (juicefs sync
    /// <c>--bwlimit</c>).</summary>
    /// <value>0: unlimited.</value>
    [Minimum(0), Maximum(SyncOptionLimits.MaxBwLimit)]
    public long? BwLimit { get; set; }

    /// <summary>The most destination keys a run may delete: a count, or a percentage of the destination's keys
    /// such as <c>10%</c>; a run that would delete more fails before deleting anything (ferry sync <c>--max-delete</c>;
    /// juicefs has no such flag).</summary>
    /// <value>No limit in a SyncJob; <c>50%</c> in a ReplicaMirror, a guard against mirroring an emptied source.</value>
    /// <remarks>Like rclone's <c>--max-delete</c>, checked once the scan has counted the deletions (DESIGN.md,
    /// "Deletes come last").</remarks>
    [Minimum(0), Length(2, 4), Pattern(SchemaPatterns.Percentage)]
    public IntOrString? MaxDelete { get; set; }

    /// <summary>The run stops once this many objects have failed after their retries; -1 or 0 for no limit (juicefs sync
    /// <c>--max-failure</c>). A run that ends with fewer failures still ends Failed.</summary>
    /// <value>-1: no limit, the run goes on past failed objects.</value>
    [Minimum(SyncOptionLimits.MinMaxFailures), DefaultValue(SyncOptionLimits.DefaultMaxFailures)]
    public long? MaxFailures { get; set; }

    /// <summary>The scan cuts the key space into tasks of about this many keys.</summary>
    /// <value>10000.</value>
    [Minimum(1), DefaultValue(SyncOptionLimits.DefaultTaskObjects)]
    public long? TaskObjects { get; set; }

    /// <summary>The scan also ends a task once it holds about this many bytes; an integer or a quantity such as
    /// <c>8Gi</c>.</summary>
    /// <value><c>8Gi</c>.</value>
    [Minimum(1), Length(1, 64), Pattern(SchemaPatterns.ByteQuantity), DefaultValue(SyncOptionLimits.DefaultTaskBytesQuantity)]
    public IntOrString? TaskBytes { get; set; }

    /// <summary>How many times failed runner pods are replaced before the run is marked Failed (the Job's
    /// <c>backoffLimit</c>).</summary>
    /// <value>6.</value>
    [Minimum(0), Maximum(SyncOptionLimits.MaxBackoffLimit), DefaultValue(SyncOptionLimits.DefaultBackoffLimit)]
    public int? BackoffLimit { get; set; }

    /// <summary>Seconds a run may take from its start before it is stopped and marked Failed.</summary>
    /// <value>No deadline.</value>
    [Minimum(1)]
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>How runner pods are made: image, resources, placement, ServiceAccount. May change while a SyncJob
    /// runs (e.g. more memory after an OOM kill); runner pods started afterwards use it and the queue resumes.</summary>
    [MutableAfterStart]
    public RunnerSpec? Runner { get; set; }

    /// <summary>Copies every sync option of this object onto <paramref name="target"/>, e.g. from a ReplicaMirror's
    /// spec into the spec of a child SyncJob. Lists and nested objects are deep copies.</summary>
    /// <param name="target">The object to overwrite; its own fields (source, destination, schedule…) stay.</param>
    /// <exception cref="ArgumentNullException"><paramref name="target"/> is null.</exception>
    public void CopyOptionsTo(SyncOptionsSpec target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Filters = Clone(Filters, ApiJsonContext.Default.ListFilterRuleSpec);
        target.MatchFullPath = MatchFullPath;
        target.FilesFrom = Clone(FilesFrom, ApiJsonContext.Default.V1ConfigMapKeySelector);
        target.Update = Update;
        target.ForceUpdate = ForceUpdate;
        target.CheckAll = CheckAll;
        target.CheckNew = CheckNew;
        target.CheckChange = CheckChange;
        target.Existing = Existing;
        target.IgnoreExisting = IgnoreExisting;
        target.DeleteSrc = DeleteSrc;
        target.DeleteSrcAfter = DeleteSrcAfter;
        target.DeleteDst = DeleteDst;
        target.Inplace = Inplace;
        target.Dirs = Dirs;
        target.Perms = Perms;
        target.Links = Links;
        target.DryRun = DryRun;
        target.MinSize = MinSize;
        target.MaxSize = MaxSize;
        target.MinAge = MinAge;
        target.MaxAge = MaxAge;
        target.StartTime = StartTime;
        target.EndTime = EndTime;
        target.Start = Start;
        target.End = End;
        target.Limit = Limit;
        target.Workers = Workers;
        target.Threads = Threads;
        target.ListThreads = ListThreads;
        target.ListDepth = ListDepth;
        target.BwLimit = BwLimit;
        target.MaxDelete = MaxDelete;
        target.MaxFailures = MaxFailures;
        target.TaskObjects = TaskObjects;
        target.TaskBytes = TaskBytes;
        target.BackoffLimit = BackoffLimit;
        target.ActiveDeadlineSeconds = ActiveDeadlineSeconds;
        target.Runner = Clone(Runner, ApiJsonContext.Default.RunnerSpec);
    }

    private static T? Clone<T>(T? value, JsonTypeInfo<T> typeInfo)
        where T : class =>
        value is null ? null : JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), typeInfo);
}
