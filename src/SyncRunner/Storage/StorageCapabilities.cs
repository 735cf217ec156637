namespace Ferry.SyncRunner.Storage;

/// <summary>What a backend stores beyond object bytes.</summary>
[Flags]
public enum StorageCapabilities
{
    /// <summary>Plain objects only (S3).</summary>
    None = 0,

    /// <summary>Real directories that exist on their own (local, SFTP).</summary>
    Directories = 1,

    /// <summary>Unix permission bits (<c>--perms</c>).</summary>
    Modes = 2,

    /// <summary>Symbolic links (<c>--links</c>).</summary>
    Symlinks = 4,

    /// <summary>A settable modification time that survives a copy (file mtime, or S3 metadata).</summary>
    ModifiedTimes = 8,

    /// <summary>Existing files can be rewritten in place, keeping their inode and hard links (<see cref="PutOptions.InPlace"/>,
    /// <c>--inplace</c>); object stores replace whole objects and have no such thing.</summary>
    InPlaceWrites = 16,
}
