namespace Ferry.SyncRunner.Storage;

/// <summary>Attributes stored with an object by <see cref="IObjectStorage.PutAsync"/>.</summary>
public sealed record PutOptions
{
    /// <summary>Modification time to keep (file mtime, or object metadata on S3). <value>Default: <see langword="null"/>, now.</value></summary>
    public DateTimeOffset? ModifiedTime { get; init; }

    /// <summary>Unix permission bits to apply where the store keeps them (<c>--perms</c>). <value>Default: <see langword="null"/>, the store's default.</value></summary>
    public int? Mode { get; init; }
}
