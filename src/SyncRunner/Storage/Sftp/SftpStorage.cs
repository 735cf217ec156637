namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// A directory on an SFTP server as an <see cref="IObjectStorage"/>, reached by running OpenSSH's client
/// (<c>ssh -s … sftp</c>) and speaking SFTP version 3 over its stdin/stdout.
/// </summary>
/// <remarks>
/// <para>Authentication, host keys (<c>known_hosts</c>, strict by default) and ssh_config are OpenSSH's; a
/// password is passed through <c>SSH_ASKPASS</c>, never on a command line (DESIGN.md, "SFTP").</para>
/// <para>Listing is the local backend's walk (<see cref="Walk.SortedTreeWalk"/>) over SFTP directory reads: each
/// directory is read whole, its children sorted by key, a directory's key before its contents, sub-trees outside the
/// prefix or the [start, end) range not read. Symbolic links: with <see cref="ListOptions.Links"/> they are listed as
/// links (target from READLINK); otherwise a link is followed only when its resolved path (REALPATH) lies inside the
/// storage root and does not lead back to a directory being listed; dangling links are skipped.</para>
/// <para>Writes go to <c>name.tmp.&lt;random&gt;</c>, get their mode and mtime with FSETSTAT, and are renamed
/// over the final name with <c>posix-rename@openssh.com</c> (atomic replace, as the juicefs sync guide
/// describes for file destinations); on failure the temporary file is removed when the session still works.
/// Without posix-rename an existing target is removed first (not atomic).</para>
/// <para>Symbolic links' own mtimes are not kept (SFTP v3 SETSTAT follows links), as in juicefs sync.</para>
/// </remarks>
public sealed partial class SftpStorage : IObjectStorage
{
    private readonly SftpLocation _location;
    private readonly SftpStorageOptions _options;
    private readonly SshCommandLine _command;
    private readonly SftpConnectionPool _pool;
    private readonly SemaphoreSlim _rootGate = new(1, 1);
    private string? _root;
    private string? _realRoot;

    /// <summary>Creates the storage; no connection is made until the first operation.</summary>
    /// <param name="location">The server, login and root directory.</param>
    /// <param name="options">Tuning and ssh settings, or <see langword="null"/> for the defaults.</param>
    public SftpStorage(SftpLocation location, SftpStorageOptions? options = null)
    {
        _location = location ?? throw new ArgumentNullException(nameof(location));
        _options = options ?? new SftpStorageOptions();
        _command = new SshCommandLine(location, _options);
        _pool = new SftpConnectionPool(ct => ConnectAsync(ct), Math.Max(1, _options.MaxConnections));
    }

    /// <inheritdoc/>
    public string DisplayName => _location.DisplayName;

    /// <inheritdoc/>
    public StorageCapabilities Capabilities =>
        StorageCapabilities.Directories | StorageCapabilities.Modes | StorageCapabilities.Symlinks | StorageCapabilities.ModifiedTimes;

    /// <summary>The parsed location.</summary>
    public SftpLocation Location => _location;

    /// <summary>Live SFTP sessions (ssh processes) in the pool.</summary>
    internal IReadOnlyList<SftpChannel> Channels => _pool.Channels;

    /// <inheritdoc/>
    public async Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        SftpChannel channel = lease.Channel;
        try
        {
            if (key.EndsWith('/') || key.Length == 0)
            {
                SftpAttributes dir = await channel.StatAsync(path, cancellationToken).ConfigureAwait(false);
                return dir.IsDirectory ? ToEntry(key.Length == 0 || key.EndsWith('/') ? key : key + "/", dir) : null;
            }

            SftpAttributes attributes = await channel.LStatAsync(path, cancellationToken).ConfigureAwait(false);
            if (attributes.IsSymlink)
            {
                try
                {
                    SftpAttributes target = await channel.StatAsync(path, cancellationToken).ConfigureAwait(false);
                    if (target.IsRegularFile)
                    {
                        return ToEntry(key, target);
                    }

                    if (target.IsDirectory)
                    {
                        return null;
                    }
                }
                catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
                {
                }

                string link = await channel.ReadLinkAsync(path, cancellationToken).ConfigureAwait(false);
                return LinkEntry(key, attributes, link);
            }

            return attributes.IsDirectory ? null : ToEntry(key, attributes);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (key.EndsWith('/'))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"Cannot read directory key '{key}' on {DisplayName}.");
        }

        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SftpChannel channel = lease.Channel;
            Task<SftpAttributes> stat = channel.StatAsync(path, cancellationToken); // in flight together with OPEN
            Task<byte[]> open = channel.OpenAsync(path, SftpOpenFlags.Read, SftpAttributes.Empty, cancellationToken);
            try
            {
                await Task.WhenAll(stat, open).ConfigureAwait(false);
            }
            catch
            {
                if (open.IsCompletedSuccessfully)
                {
                    await channel.CloseQuietlyAsync(open.Result).ConfigureAwait(false);
                }

                throw (stat.Exception ?? open.Exception)!.InnerException!;
            }

            long size = stat.Result.Size is { } s ? (long)s : long.MaxValue;
            long end = length < 0 ? size : Math.Min(size, offset + length);
            int chunk = Math.Min(_options.ChunkSize, channel.MaxReadLength);
            return new SftpReadStream(lease, open.Result, offset, end, chunk, _options.MaxRequestsInFlight, (int)Math.Max(1, _options.MaxBytesInFlightPerSession / chunk), cancellationToken);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        bool directory = key.Length == 0 || key.EndsWith('/');
        try
        {
            if (directory)
            {
                await lease.Channel.RmDirAsync(path, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await lease.Channel.RemoveAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
        }
        catch (SftpStatusException e) when (directory && e.Status == SftpStatusCode.Failure)
        {
            throw new StorageException(StorageErrorKind.Invalid, $"Cannot delete directory '{key}' on {DisplayName}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public async Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default)
    {
        if (mode is null && modifiedTime is null)
        {
            return;
        }

        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        await lease.Channel.SetStatAsync(path, SftpAttributes.For(mode, modifiedTime), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every ssh process of this storage and removes the askpass helper, if any.</summary>
    /// <returns>A task that completes when the processes have exited.</returns>
    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync().ConfigureAwait(false);
        _command.Dispose();
        _rootGate.Dispose();
    }

    /// <summary>Opens one new session outside the pool (for protocol tests).</summary>
    /// <remarks>ssh's ConnectTimeout bounds the TCP connect; login and the SFTP handshake get as long again plus 30 s.</remarks>
    internal Task<SftpChannel> ConnectAsync(CancellationToken cancellationToken) =>
        SftpChannel.StartAsync(_command, DisplayName, TimeSpan.FromSeconds((2 * _options.ConnectTimeoutSeconds) + 30), cancellationToken);

    /// <summary>The absolute path on the server of a key.</summary>
    internal async Task<string> PathOfAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith('/') || key.Split('/').Any(p => p is "." or ".."))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"Invalid key '{key}' for {DisplayName}.");
        }

        string root = await RootAsync(cancellationToken).ConfigureAwait(false);
        string path = root + key;
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    private static string ParentOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static ObjectEntry ToEntry(string key, SftpAttributes attributes) =>
        new(key, attributes.IsDirectory ? 0 : (long)(attributes.Size ?? 0), attributes.ModifiedTimeOffset)
        {
            Kind = attributes.IsDirectory ? EntryKind.Directory : EntryKind.File,
            Mode = attributes.Mode,
        };

    private static ObjectEntry LinkEntry(string key, SftpAttributes attributes, string target) =>
        new(key, System.Text.Encoding.UTF8.GetByteCount(target), attributes.ModifiedTimeOffset)
        {
            Kind = EntryKind.Symlink,
            Mode = attributes.Mode,
            LinkTarget = target,
        };

    private async Task<string> RootAsync(CancellationToken cancellationToken)
    {
        if (_root is { } root)
        {
            return root;
        }

        await _rootGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_root is null)
            {
                string path = _location.Path;
                if (!path.StartsWith('/'))
                {
                    using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
                    string home = await lease.Channel.RealPathAsync(".", cancellationToken).ConfigureAwait(false);
                    path = home.TrimEnd('/') + "/" + path;
                }

                _root = path.TrimEnd('/') + "/";
            }

            return _root;
        }
        finally
        {
            _rootGate.Release();
        }
    }
}
