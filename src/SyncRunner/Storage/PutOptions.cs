namespace Ferry.SyncRunner.Storage;

/// <summary>Attributes stored with an object by <see cref="IObjectStorage.PutAsync"/>.</summary>
public sealed record PutOptions
{
    /// <summary>Modification time to keep (file mtime, or object metadata on S3). <value>Default: <see langword="null"/>, now.</value></summary>
    public DateTimeOffset? ModifiedTime { get; init; }

    /// <summary>Unix permission bits to apply where the store keeps them (<c>--perms</c>). <value>Default: <see langword="null"/>, the store's default.</value></summary>
    public int? Mode { get; init; }

    /// <summary>Rewrite an existing regular file in place instead of replacing it (<c>--inplace</c>): same inode, hard
    /// links kept, no temporary file, and therefore not atomic (a reader may see the file half rewritten). A key that does
    /// not exist yet, or is a symbolic link, is written the atomic way. Only for stores with
    /// <see cref="StorageCapabilities.InPlaceWrites"/>. <value>Default: <see langword="false"/>.</value></summary>
    public bool InPlace { get; init; }
}
