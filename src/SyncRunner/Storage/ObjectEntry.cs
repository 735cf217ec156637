namespace Ferry.SyncRunner.Storage;

/// <summary>One key in a listing, with the metadata the planner compares.</summary>
/// <param name="Key">The key relative to the storage root; a directory key ends in <c>/</c>.</param>
/// <param name="Size">Content length in bytes (0 for directories; the target's length in bytes for symlinks).</param>
/// <param name="ModifiedTime">Modification time: the file's mtime, or for objects the mtime Ferry stored in
/// metadata, falling back to <c>LastModified</c>.</param>
public sealed record ObjectEntry(string Key, long Size, DateTimeOffset ModifiedTime)
{
    /// <summary>What the key names: a regular object or file, a directory, or a symbolic link.</summary>
    public EntryKind Kind { get; init; } = EntryKind.File;

    /// <summary>Unix permission bits (<c>0o7777</c> mask), where the store keeps them; otherwise <see langword="null"/>.</summary>
    public int? Mode { get; init; }

    /// <summary>For a symbolic link, its target exactly as stored; otherwise <see langword="null"/>.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>The object's ETag where the store has one (S3), otherwise <see langword="null"/>.</summary>
    public string? ETag { get; init; }

    /// <summary>
    /// Whether <see cref="ModifiedTime"/> is the time the store keeps for the key. <see langword="false"/> when the
    /// listing reported an approximate time (S3's <c>LastModified</c>) and the store keeps a more exact one (the mtime
    /// Ferry stored in metadata) that <see cref="IObjectStorage.HeadAsync"/> returns, and that a read stream exposes
    /// through <see cref="IObjectReadInfo"/>. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    /// <remarks>Reading the exact time costs a request per key, so listings leave it to the few decisions that need it:
    /// <c>--update</c> comparisons of keys present on both sides (rclone's S3 backend makes the same trade).</remarks>
    public bool ModifiedTimeIsExact { get; init; } = true;

    /// <summary>Whether the key names a directory (ends in <c>/</c>).</summary>
    public bool IsDirectory => Key.EndsWith('/');
}
