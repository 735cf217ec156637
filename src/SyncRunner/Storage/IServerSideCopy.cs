namespace Ferry.SyncRunner.Storage;

/// <summary>
/// Implemented by a destination store that can copy an object from a source store without the bytes
/// passing through the runner (S3 CopyObject / UploadPartCopy on the same endpoint).
/// </summary>
public interface IServerSideCopy
{
    /// <summary>Whether <paramref name="source"/> is reachable for a server-side copy into this store.</summary>
    /// <param name="source">The source store of the sync.</param>
    /// <returns><see langword="true"/> when <see cref="CopyFromAsync"/> can be used for objects of <paramref name="source"/>.</returns>
    bool CanCopyFrom(IObjectStorage source);

    /// <summary>Copies one object server-side, atomically as <see cref="IObjectStorage.PutAsync"/> does.</summary>
    /// <param name="source">The source store; <see cref="CanCopyFrom"/> returned <see langword="true"/> for it.</param>
    /// <param name="sourceEntry">The source object as listed (key, size, mtime).</param>
    /// <param name="destinationKey">The key to write in this store.</param>
    /// <param name="options">Modification time and mode to keep.</param>
    /// <param name="cancellationToken">Cancels the copy; a partial multipart copy is aborted.</param>
    /// <exception cref="StorageException">The copy failed; the previous destination object is intact.</exception>
    Task CopyFromAsync(IObjectStorage source, ObjectEntry sourceEntry, string destinationKey, PutOptions options, CancellationToken cancellationToken = default);
}
