using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The writes: objects through <c>name.tmp.&lt;random&gt;</c> and <c>posix-rename@openssh.com</c>, pipelined
/// WRITEs (spliced from local files), directories and symbolic links.</summary>
public sealed partial class SftpStorage
{
    /// <summary>
    /// Local files of at least this many bytes are sent by <c>splice</c> (<see cref="WriteSplicedAsync"/>); smaller
    /// ones through memory, where one pipe write per request costs less than a header write plus a splice.
    /// </summary>
    private const long SpliceThreshold = 256 * 1024;

    /// <inheritdoc/>
    public async Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        if (key.Length == 0 || key.EndsWith('/'))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"Cannot write an object at directory key '{key}' on {DisplayName}.");
        }

        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        string temp = TempNameFor(path);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        SftpChannel channel = lease.Channel;
        var create = new SftpAttributes { Permissions = 0x180 }; // 0600 until SETSTAT sets the final mode
        byte[] handle;
        try
        {
            handle = await channel.OpenAsync(temp, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate | SftpOpenFlags.Exclusive, create, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            await MakeDirectoriesAsync(channel, ParentOf(path), cancellationToken).ConfigureAwait(false);
            handle = await channel.OpenAsync(temp, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate | SftpOpenFlags.Exclusive, create, cancellationToken).ConfigureAwait(false);
        }

        bool closed = false;
        int chunk = Math.Min(_options.ChunkSize, channel.MaxWriteLength);
        using SftpWriteWindow window = channel.CreateWriteWindow(_options.MaxRequestsInFlight, (int)Math.Max(1, _options.MaxBytesInFlightPerSession / chunk));
        try
        {
            long written = content is ILocalFileRegion file && size >= SpliceThreshold && channel.CanSplice
                ? await WriteSplicedAsync(channel, handle, file, size, window, chunk, cancellationToken).ConfigureAwait(false)
                : await WritePipelinedAsync(channel, handle, content, window, chunk, cancellationToken).ConfigureAwait(false);
            if (size >= 0 && written != size)
            {
                throw new StorageException(StorageErrorKind.Invalid, $"Writing '{key}' to {DisplayName}: the source gave {written} bytes, expected {size}.");
            }

            SftpAttributes attributes = SftpAttributes.For(options.Mode, options.ModifiedTime);
            if (attributes.Permissions is null)
            {
                attributes = attributes with { Permissions = 0x1A4 }; // 0644, as a plain create would give
            }

            // The last WRITEs, FSETSTAT (mode, mtime) and CLOSE travel together, all answered into the window.
            channel.PostFinish(handle, attributes, window);
            closed = true;
            if (await window.DrainAsync().ConfigureAwait(false) is { } failed)
            {
                ExceptionDispatchInfo.Throw(failed);
            }

            await RenameReplacingAsync(channel, temp, path, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Every reply is awaited before the temporary file is removed; the first failure is the one reported.
            await window.DrainAsync().ConfigureAwait(false);
            if (!closed)
            {
                await channel.CloseQuietlyAsync(handle).ConfigureAwait(false);
            }

            await RemoveQuietlyAsync(channel, temp).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string path = await PathOfAsync(key, cancellationToken).ConfigureAwait(false);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        await MakeDirectoriesAsync(lease.Channel, path, cancellationToken).ConfigureAwait(false);
        if (options.Mode is not null || options.ModifiedTime is not null)
        {
            await lease.Channel.SetStatAsync(path, SftpAttributes.For(options.Mode, options.ModifiedTime), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        string path = await PathOfAsync(key.TrimEnd('/'), cancellationToken).ConfigureAwait(false);
        string temp = TempNameFor(path);
        using SftpConnectionPool.Lease lease = await _pool.RentAsync(cancellationToken).ConfigureAwait(false);
        SftpChannel channel = lease.Channel;
        try
        {
            await channel.SymlinkAsync(temp, target, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
        {
            await MakeDirectoriesAsync(channel, ParentOf(path), cancellationToken).ConfigureAwait(false);
            await channel.SymlinkAsync(temp, target, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await RenameReplacingAsync(channel, temp, path, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveQuietlyAsync(channel, temp).ConfigureAwait(false);
            throw;
        }
    }

    private static string TempNameFor(string path) =>
        path + ".tmp." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    private static async Task RemoveQuietlyAsync(SftpChannel channel, string path)
    {
        try
        {
            await channel.RemoveAsync(path, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // the session is gone or the file never appeared; nothing is under the final name either way
        }
    }

    private static async Task MakeDirectoriesAsync(SftpChannel channel, string path, CancellationToken cancellationToken)
    {
        try
        {
            await channel.MkDirAsync(path, SftpAttributes.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound && path.Length > 1)
        {
            await MakeDirectoriesAsync(channel, ParentOf(path), cancellationToken).ConfigureAwait(false);
            await MakeDirectoriesAsync(channel, path, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpStatusException e) when (e.Status == SftpStatusCode.Failure)
        {
            // OpenSSH answers FAILURE when the directory exists (EEXIST); anything else stays an error
            SftpAttributes existing = await channel.StatAsync(path, cancellationToken).ConfigureAwait(false);
            if (!existing.IsDirectory)
            {
                throw;
            }
        }
    }

    /// <summary>
    /// Sends the content as WRITE requests with at most <see cref="SftpStorageOptions.MaxRequestsInFlight"/>
    /// unanswered; returns once everything is sent, leaving the last requests counted in <paramref name="window"/>.
    /// </summary>
    private static async Task<long> WritePipelinedAsync(SftpChannel channel, byte[] handle, Stream content, SftpWriteWindow window, int chunk, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (true)
        {
            await window.AcquireAsync(cancellationToken).ConfigureAwait(false);

            // The source is read straight into the WRITE packet: no copy through a buffer of our own.
            SftpWriteRequest write = channel.BeginWrite(handle, (ulong)offset, chunk);
            int n;
            try
            {
                n = await content.ReadAtLeastAsync(write.Data, chunk, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                write.Dispose();
                window.Release();
                throw;
            }

            if (n == 0)
            {
                write.Dispose();
                window.Release();
                return offset;
            }

            channel.PostWrite(write, n, window);
            offset += n;
            if (n < chunk)
            {
                return offset;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="size"/> bytes of a local file as pipelined WRITEs whose data the kernel moves from the
    /// file into the pipe to ssh (<see cref="SftpChannel.PostSplicedWrite"/>): no copy of the bytes through this
    /// process. Returns the file's length from where it started when that is more than <paramref name="size"/>, so a
    /// file that grew since it was listed fails the caller's size check as a read to its end would.
    /// </summary>
    private static async Task<long> WriteSplicedAsync(SftpChannel channel, byte[] handle, ILocalFileRegion file, long size, SftpWriteWindow window, int chunk, CancellationToken cancellationToken)
    {
        long start = file.FileOffset;
        long offset = 0;
        while (offset < size)
        {
            await window.AcquireAsync(cancellationToken).ConfigureAwait(false);
            int n = (int)Math.Min(chunk, size - offset);
            channel.PostSplicedWrite(handle, (ulong)offset, file.Handle, start + offset, n, window);
            file.Advance(n);
            offset += n;
        }

        long length = RandomAccess.GetLength(file.Handle) - start;
        return length > size ? length : size;
    }

    private async Task RenameReplacingAsync(SftpChannel channel, string from, string to, CancellationToken cancellationToken)
    {
        if (!channel.HasPosixRename)
        {
            try
            {
                await channel.RemoveAsync(to, cancellationToken).ConfigureAwait(false);
            }
            catch (SftpStatusException e) when (e.Kind == StorageErrorKind.NotFound)
            {
            }
        }

        await channel.RenameAsync(from, to, replace: true, cancellationToken).ConfigureAwait(false);
    }
}
