using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>The atomic writer: whole files appear under their name only once complete (unnamed files named with
/// <c>linkat</c>, or a temporary name renamed), with their mode and modification time set on the open file.</summary>
public sealed partial class FileStorage
{
    /// <inheritdoc/>
    /// <remarks>
    /// On Linux the file is written unnamed (<c>O_TMPFILE</c>) and named once complete (<see cref="UnnamedFile"/>):
    /// nothing partial is ever visible and a killed process leaves nothing behind. An existing file is replaced by
    /// linking under a temporary name and renaming over it. Where the file system cannot create unnamed files, the
    /// file is written under a temporary name (<c>NAME.tmp.HEX</c>) and renamed.
    /// </remarks>
    public async Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        string path = PathForWrite(key, isDirectory: false);
        if (options.InPlace && await TryPutInPlaceAsync(key, path, content, options, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        SafeFileHandle? unnamed = null;
        if (_unnamedFiles)
        {
            try
            {
                unnamed = UnnamedFile.TryCreate(Path.GetDirectoryName(path)!);
            }
            catch (IOException e)
            {
                throw Map(e, "write", key);
            }

            if (unnamed is null)
            {
                _unnamedFiles = false; // this file system cannot: temporary names from now on
            }
        }

        if (unnamed is null)
        {
            await PutUnderTemporaryNameAsync(key, path, content, size, options, cancellationToken).ConfigureAwait(false);
            return;
        }

        using (unnamed)
        {
            try
            {
                if (size >= PreallocationThreshold)
                {
                    UnnamedFile.Preallocate(unnamed, size);
                }

                await WriteContentAsync(unnamed, content, options, cancellationToken).ConfigureAwait(false);
                Name(unnamed, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "write", key);
            }
        }
    }

    /// <summary>Gives a complete unnamed file its name; an existing file of that name is replaced atomically (the new
    /// file is linked under a temporary name and renamed over it).</summary>
    /// <exception cref="IOException">Linking or renaming failed.</exception>
    private static void Name(SafeFileHandle unnamed, string path)
    {
        if (UnnamedFile.TryLink(unnamed, path))
        {
            return;
        }

        string temp = TempPath(path);
        if (!UnnamedFile.TryLink(unnamed, temp))
        {
            throw new IOException($"link {temp}: the temporary name exists");
        }

        try
        {
            NativePath.Rename(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private async Task PutUnderTemporaryNameAsync(string key, string path, Stream content, long size, PutOptions options, CancellationToken cancellationToken)
    {
        string temp = TempPath(path);
        try
        {
            // Only large files are preallocated: for a small one fallocate is one more syscall and extent change
            // than the write itself.
            using (SafeFileHandle handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, size >= PreallocationThreshold ? size : 0))
            {
                await WriteContentAsync(handle, content, options, cancellationToken).ConfigureAwait(false);
            }

            NativePath.Rename(temp, path);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "write", key);
            }

            throw;
        }
    }

    /// <summary>
    /// Writes the content into an open file and sets its mode and modification time. Through the handle, not a
    /// <see cref="FileStream"/>: positioned writes (no lseek), and mode and mtime set on the open file (fchmod,
    /// futimens) instead of by path.
    /// </summary>
    private static async Task<long> WriteContentAsync(SafeFileHandle handle, Stream content, PutOptions options, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        long offset = 0;
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                RandomAccess.Write(handle, buffer.AsSpan(0, n), offset);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (options.Mode is { } mode && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(handle, (UnixFileMode)(mode & 0xFFF));
        }

        if (options.ModifiedTime is { } mtime)
        {
            NativePath.SetModifiedTime(handle, mtime);
        }

        return offset;
    }

    /// <inheritdoc/>
    public bool CanCopyFrom(IObjectStorage source) => source is FileStorage;

    /// <inheritdoc/>
    /// <remarks>Copies with the kernel's file copy (<c>copy_file_range</c>, a reflink where the file system shares extents)
    /// into an unnamed file (<see cref="UnnamedFile"/>) named once complete, with the source's permission bits (less the
    /// umask; exactly <see cref="PutOptions.Mode"/> with <c>--perms</c>) and <see cref="PutOptions.ModifiedTime"/>
    /// (<see cref="LocalFileCopy"/>). Where the file system cannot create unnamed files: <c>File.Copy</c> into a
    /// temporary name, then a rename.</remarks>
    public Task CopyFromAsync(IObjectStorage source, ObjectEntry sourceEntry, string destinationKey, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceEntry);
        ArgumentNullException.ThrowIfNull(options);
        if (source is not FileStorage local)
        {
            throw new NotSupportedException($"{DisplayName} cannot copy server-side from {source.DisplayName}");
        }

        string from = local.PathOf(sourceEntry.Key);
        string path = PathForWrite(destinationKey, isDirectory: false);
        if (options.InPlace && CopyInPlace(from, path, sourceEntry, options, destinationKey, cancellationToken))
        {
            return Task.CompletedTask;
        }

        if (_unnamedFiles && CopyUnnamed(from, path, sourceEntry, options, destinationKey, cancellationToken))
        {
            return Task.CompletedTask;
        }

        string temp = TempPath(path);
        try
        {
            // File.Copy keeps the source's mode and times (futimens); set them only when asked for others.
            File.Copy(from, temp, overwrite: false);
            Finish(temp, path, options with
            {
                ModifiedTime = options.ModifiedTime == sourceEntry.ModifiedTime ? null : options.ModifiedTime,
                Mode = options.Mode == sourceEntry.Mode ? null : options.Mode,
            });
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "copy", destinationKey);
            }

            throw;
        }
    }

    /// <summary><c>--inplace</c> for <see cref="PutAsync"/>: the existing file rewritten from its first byte and cut to the new
    /// length, keeping its inode (and hard links).</summary>
    /// <returns><see langword="false"/> when there is no regular file to rewrite (nothing was written).</returns>
    private async Task<bool> TryPutInPlaceAsync(string key, string path, Stream content, PutOptions options, CancellationToken cancellationToken)
    {
        try
        {
            using SafeFileHandle? file = LocalFileCopy.OpenExistingForWrite(path);
            if (file is null)
            {
                return false;
            }

            long written = await WriteContentAsync(file, content, options, cancellationToken).ConfigureAwait(false);
            LocalFileCopy.Truncate(file, written);
            if (options.ModifiedTime is { } mtime)
            {
                NativePath.SetModifiedTime(file, mtime); // after the truncation, which sets the mtime to now
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "write in place", key);
        }
    }

    /// <summary><c>--inplace</c> for <see cref="CopyFromAsync"/>.</summary>
    /// <returns><see langword="false"/> when there is no regular file to rewrite (nothing was written).</returns>
    private bool CopyInPlace(string from, string path, ObjectEntry sourceEntry, PutOptions options, string key, CancellationToken cancellationToken)
    {
        try
        {
            using SafeFileHandle input = LocalFileCopy.OpenRead(from);
            using SafeFileHandle? file = LocalFileCopy.OpenExistingForWrite(path);
            if (file is null)
            {
                return false;
            }

            long copied = LocalFileCopy.Copy(input, file, cancellationToken);
            LocalFileCopy.Truncate(file, copied);
            if (options.Mode is { } mode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, (UnixFileMode)(mode & 0xFFF));
            }

            NativePath.SetModifiedTime(file, options.ModifiedTime ?? sourceEntry.ModifiedTime);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "copy in place", key);
        }
    }

    /// <summary>The unnamed-file copy of <see cref="CopyFromAsync"/>.</summary>
    /// <returns><see langword="false"/> when this file system cannot create unnamed files (nothing was written).</returns>
    private bool CopyUnnamed(string from, string path, ObjectEntry sourceEntry, PutOptions options, string key, CancellationToken cancellationToken)
    {
        try
        {
            using SafeFileHandle input = LocalFileCopy.OpenRead(from);
            using SafeFileHandle? unnamed = UnnamedFile.TryCreate(Path.GetDirectoryName(path)!, sourceEntry.Mode ?? 0x1B6);
            if (unnamed is null)
            {
                _unnamedFiles = false;
                return false;
            }

            LocalFileCopy.Copy(input, unnamed, cancellationToken);
            if (options.Mode is { } mode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(unnamed, (UnixFileMode)(mode & 0xFFF));
            }

            NativePath.SetModifiedTime(unnamed, options.ModifiedTime ?? sourceEntry.ModifiedTime);
            Name(unnamed, path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "copy", key);
        }
    }

    private static string TempPath(string path) => path + ".tmp." + Random.Shared.NextInt64(1L << 47).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);

    private static void Finish(string temp, string path, PutOptions options)
    {
        if (options.Mode is { } mode)
        {
            SetMode(temp, (UnixFileMode)(mode & 0xFFF));
        }

        if (options.ModifiedTime is { } mtime)
        {
            File.SetLastWriteTimeUtc(temp, mtime.UtcDateTime);
        }

        NativePath.Rename(temp, path);
    }

}
