using Ferry.SyncRunner.Storage.Walk;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The listing: <see cref="SortedTreeWalk"/> over this directory reader (OPENDIR and READDIR, READLINK for
/// links listed as links, REALPATH and STAT for links followed).</summary>
public sealed partial class SftpStorage : ITreeReader
{
    /// <inheritdoc/>
    public IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, CancellationToken cancellationToken = default) =>
        SortedTreeWalk.ListAsync(this, options, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>One REALPATH per storage; OpenSSH resolves a path whose last component does not exist yet, so a
    /// missing root shows as a directory that cannot be opened.</remarks>
    async ValueTask<string?> ITreeReader.RealRootAsync(CancellationToken cancellationToken)
    {
        if (_realRoot is { } known)
        {
            return known;
        }

        string root = await RootAsync(cancellationToken).ConfigureAwait(false);
        string? real = await RealPathOrNullAsync(root.Length > 1 ? root.TrimEnd('/') : root, cancellationToken).ConfigureAwait(false);
        return real is null ? null : _realRoot = real;
    }

    /// <inheritdoc/>
    async ValueTask<string?> ITreeReader.RealPathAsync(string directoryKey, CancellationToken cancellationToken) =>
        await RealPathOrNullAsync(await PathOfAsync(directoryKey, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    async ValueTask<List<TreeEntry>?> ITreeReader.ReadAsync(string directoryKey, string realPath, bool links, string realRoot, CancellationToken cancellationToken)
    {
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        SftpChannel channel = lease.Channel;
        List<SftpName> names;
        try
        {
            names = await channel.ReadWholeDirectoryAsync(realPath, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }

        var entries = new List<TreeEntry>(names.Count);
        List<Task<TreeEntry?>>? linkTasks = null;
        foreach (SftpName name in names)
        {
            SftpAttributes a = name.Attributes;
            string key = directoryKey + name.FileName;
            if (a.IsDirectory)
            {
                entries.Add(new TreeEntry(ToEntry(key + "/", a), SortedTreeWalk.Join(realPath, name.FileName)));
            }
            else if (a.IsRegularFile)
            {
                entries.Add(new TreeEntry(ToEntry(key, a)));
            }
            else if (a.IsSymlink)
            {
                string path = SortedTreeWalk.Join(realPath, name.FileName);
                (linkTasks ??= []).Add(links ? ReadLinkEntryAsync(channel, key, path, a, cancellationToken) : FollowLinkAsync(channel, key, path, realPath, realRoot, cancellationToken));
            }

            // sockets, FIFOs and devices are not objects: skipped
        }

        if (linkTasks is not null)
        {
            foreach (TreeEntry? linked in await Task.WhenAll(linkTasks).ConfigureAwait(false))
            {
                if (linked is { } entry)
                {
                    entries.Add(entry);
                }
            }
        }

        return entries;
    }

    private static async Task<TreeEntry?> ReadLinkEntryAsync(SftpChannel channel, string key, string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        string target = await channel.ReadLinkAsync(path, cancellationToken).ConfigureAwait(false);
        return new TreeEntry(LinkEntry(key, attributes, target));
    }

    private static async Task<TreeEntry?> FollowLinkAsync(SftpChannel channel, string key, string path, string directoryReal, string realRoot, CancellationToken cancellationToken)
    {
        string resolved;
        SftpAttributes target;
        try
        {
            resolved = Canonical(await channel.RealPathAsync(path, cancellationToken).ConfigureAwait(false));
            target = await channel.StatAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null; // dangling
        }

        if (!(target.IsRegularFile || target.IsDirectory) || !SortedTreeWalk.MayFollow(resolved, target.IsDirectory, directoryReal, realRoot))
        {
            return null;
        }

        return target.IsDirectory
            ? new TreeEntry(ToEntry(key + "/", target), resolved, FollowedLink: true)
            : new TreeEntry(ToEntry(key, target));
    }

    private async Task<string?> RealPathOrNullAsync(string path, CancellationToken cancellationToken)
    {
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Canonical(await lease.Channel.RealPathAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>A REALPATH answer without a trailing <c>/</c> (except the root <c>/</c>).</summary>
    private static string Canonical(string path) => path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/";
}
