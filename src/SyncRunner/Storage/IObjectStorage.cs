namespace Ferry.SyncRunner.Storage;

/// <summary>
/// One storage location that Ferry syncs from or to: a local directory or mounted PVC (<c>file://</c>),
/// an S3 bucket and prefix (<c>s3://</c>), or a directory on an SFTP server (<c>sftp://</c>).
/// Keys are relative to the location's root, use <c>/</c> as separator, and a key that ends in
/// <c>/</c> names a directory.
/// </summary>
/// <remarks>
/// Every backend lists in ascending UTF-8 byte order (<see cref="Keys.KeyComparer.Utf8"/>), the order
/// S3's ListObjectsV2 uses, so the planner can merge-join two listings without holding either in
/// memory (DESIGN.md, "The sync engine"). Implementations are safe to call from many threads at once.
/// </remarks>
public interface IObjectStorage : IAsyncDisposable
{
    /// <summary>The location as a user would type it, with any credentials masked.</summary>
    string DisplayName { get; }

    /// <summary>What this backend can store beyond object bytes (directories, modes, symlinks, ...).</summary>
    StorageCapabilities Capabilities { get; }

    /// <summary>
    /// Lists entries whose keys start with <see cref="ListOptions.Prefix"/> and fall in the half-open
    /// range [<see cref="ListOptions.Start"/>, <see cref="ListOptions.End"/>), in ascending UTF-8 byte
    /// order. Recursive listings of file-like stores include directory entries (<c>"a/"</c>) before
    /// their contents.
    /// </summary>
    /// <param name="options">Prefix, range and depth of the listing.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The entries, lazily, sorted by <see cref="Keys.KeyComparer.Utf8"/>.</returns>
    /// <exception cref="StorageException">The store refused or failed the listing.</exception>
    IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, CancellationToken cancellationToken = default);

    /// <summary>Reads the metadata of one key without its content.</summary>
    /// <param name="key">The key; a directory key ends in <c>/</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The entry, or <see langword="null"/> when the key does not exist.</returns>
    /// <exception cref="StorageException">The store refused or failed the request.</exception>
    Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Opens the content of an object for reading, from <paramref name="offset"/>.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="offset">First byte to read, in bytes from the start.</param>
    /// <param name="length">Number of bytes to read, or -1 for everything up to the end.</param>
    /// <param name="cancellationToken">Cancels the open and later reads.</param>
    /// <returns>A stream the caller disposes.</returns>
    /// <exception cref="StorageException">The key is missing (<see cref="StorageErrorKind.NotFound"/>) or the read failed.</exception>
    Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes an object atomically: readers see either the old object or the complete new one, never a
    /// part (file stores write <c>name.tmp.&lt;random&gt;</c> and rename; S3 aborts a failed multipart
    /// upload). Parent directories are created as needed.
    /// </summary>
    /// <param name="key">The object's key (not a directory key).</param>
    /// <param name="content">The bytes, read to the end once.</param>
    /// <param name="size">The number of bytes <paramref name="content"/> yields, or -1 when unknown.</param>
    /// <param name="options">Modification time and mode to store with the object.</param>
    /// <param name="cancellationToken">Cancels the write; nothing is left under <paramref name="key"/>.</param>
    /// <exception cref="StorageException">The write failed; the previous object, if any, is intact.</exception>
    Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes one key; an object or an empty directory. A missing key is not an error.</summary>
    /// <param name="key">The key; a directory key ends in <c>/</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StorageException">The store refused the delete (for a directory: it is not empty).</exception>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates a directory (file-like stores) or a zero-byte marker object <c>"dir/"</c> (object stores).</summary>
    /// <param name="key">The directory key, ending in <c>/</c>.</param>
    /// <param name="options">Modification time and mode to apply where the store keeps them.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StorageException">The directory could not be created.</exception>
    Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Creates (or replaces) a symbolic link at <paramref name="key"/> whose target is stored verbatim.</summary>
    /// <param name="key">The link's key.</param>
    /// <param name="target">The link target, exactly as read from the source (never rewritten).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NotSupportedException"><see cref="StorageCapabilities.Symlinks"/> is not set.</exception>
    /// <exception cref="StorageException">The link could not be created.</exception>
    Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default);

    /// <summary>Sets the mode and/or modification time of an existing key, where the store keeps them.</summary>
    /// <param name="key">The key.</param>
    /// <param name="mode">Unix permission bits (e.g. <c>0o644</c>), or <see langword="null"/> to leave as is.</param>
    /// <param name="modifiedTime">Modification time, or <see langword="null"/> to leave as is.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StorageException">The attributes could not be set.</exception>
    Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default);
}
