namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Where <see cref="S3Storage"/> takes the modification time it reports for an object.</summary>
/// <remarks>
/// ListObjectsV2 returns <c>LastModified</c> (the upload time) but no user metadata, so reading the mtime Ferry stored
/// (<c>x-amz-meta-mtime</c>) costs one HEAD per object; with <see cref="Metadata"/> listings report <c>LastModified</c>
/// as an approximate time (<see cref="ObjectEntry.ModifiedTimeIsExact"/> <see langword="false"/>) and the engine reads
/// the stored one only where it matters, as rclone's S3 backend does (its <c>--use-server-modtime</c> is
/// <see cref="LastModified"/>).
/// </remarks>
public enum S3ModifiedTimeSource
{
    /// <summary>The stored <c>x-amz-meta-mtime</c>, falling back to <c>LastModified</c>, from HEAD and GET responses;
    /// listings report <c>LastModified</c>, marked approximate. Keeps the source's mtime across file → S3 → file and makes <c>--update</c> compare true mtimes.</summary>
    Metadata,

    /// <summary><c>LastModified</c> only: no HEAD per object. <c>--update</c> stays consistent (a copy's upload time is
    /// never earlier than its source's mtime), but objects copied out of S3 get their upload time as mtime.</summary>
    LastModified,
}
