namespace Ferry.SyncRunner.Storage.Walk;

/// <summary>What a file-like backend (a local directory, an SFTP server) gives <see cref="SortedTreeWalk"/>: canonical
/// paths and the entries of one directory at a time. Paths are the backend's own, <c>/</c>-separated and absolute.</summary>
internal interface ITreeReader
{
    /// <summary>The canonical path of the storage root.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The path, or <see langword="null"/> when the root does not exist (an empty listing).</returns>
    /// <exception cref="StorageException">The backend failed.</exception>
    ValueTask<string?> RealRootAsync(CancellationToken cancellationToken);

    /// <summary>The canonical path of a directory, every symbolic link on the way resolved.</summary>
    /// <param name="directoryKey">The directory's key, ending in <c>/</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The path, or <see langword="null"/> when no directory resolves there.</returns>
    /// <exception cref="StorageException">The key is invalid, or the backend failed.</exception>
    ValueTask<string?> RealPathAsync(string directoryKey, CancellationToken cancellationToken);

    /// <summary>Reads one directory's entries, in any order, with symbolic links listed (<paramref name="links"/>) or
    /// followed as <see cref="SortedTreeWalk.MayFollow"/> allows; sockets, FIFOs and devices are left out where the
    /// backend can tell.</summary>
    /// <param name="directoryKey">The directory's key (<c>""</c> for the root, else ending in <c>/</c>): the prefix of
    /// its entries' keys.</param>
    /// <param name="realPath">The directory's canonical path.</param>
    /// <param name="links">Whether symbolic links are listed as links (<see cref="ListOptions.Links"/>).</param>
    /// <param name="realRoot">The canonical path of the storage root, the bound of followed links.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, or <see langword="null"/> when the directory does not exist (any more).</returns>
    /// <exception cref="StorageException">The directory cannot be read.</exception>
    ValueTask<List<TreeEntry>?> ReadAsync(string directoryKey, string realPath, bool links, string realRoot, CancellationToken cancellationToken);
}
