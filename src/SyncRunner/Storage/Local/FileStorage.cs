using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// A local directory (or a mounted PVC) as an <see cref="IObjectStorage"/>: <c>file:///path/</c> or a plain
/// path. Keys are paths relative to the root directory, with <c>/</c> as separator; directories are keys
/// ending in <c>/</c>.
/// </summary>
/// <remarks>
/// <para>Listing walks the tree depth-first and sorts each directory's children by their key (a file
/// <c>name</c>, a directory <c>name/</c>) in UTF-8 byte order, emitting a directory before its contents,
/// so the result is globally sorted while memory stays proportional to depth × directory width.</para>
/// <para>Writes go to <c>name.tmp.&lt;random&gt;</c> in the target directory and are renamed into place
/// (the juicefs sync guide, "观测和监控": temporary files named <c>.tmp.xxx</c>); modification times are
/// preserved. Keys are validated (no <c>..</c>, <c>.</c> or empty segment, not absolute, no NUL) and writes
/// never pass through a symbolic link, so nothing is written outside the root. Without
/// <see cref="ListOptions.Links"/> a symbolic link is followed only when its canonical target lies inside
/// the root (the juicefs sync guide, "拷贝符号链接").</para>
/// </remarks>
public sealed partial class FileStorage : IObjectStorage, IServerSideCopy
{
    private const int CopyBufferSize = 256 * 1024;

    /// <summary>Files at least this large (bytes) are preallocated (<c>fallocate</c>) before they are written: 1 MiB.</summary>
    private const long PreallocationThreshold = 1024 * 1024;

    /// <summary>Whether files are written unnamed (<see cref="UnnamedFile"/>); cleared when the file system refuses.</summary>
    private volatile bool _unnamedFiles = UnnamedFile.MayWork;

    private readonly ConcurrentDictionary<string, bool> _verifiedDirectories = new(StringComparer.Ordinal);
    private string? _realRoot;

    /// <summary>Creates the storage over <paramref name="rootDirectory"/>; the directory is created on the first write.</summary>
    /// <param name="rootDirectory">An absolute or relative path of the root directory.</param>
    /// <exception cref="ArgumentException"><paramref name="rootDirectory"/> is empty.</exception>
    public FileStorage(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        if (Root.Length == 0)
        {
            Root = "/";
        }
    }

    /// <summary>Creates the storage, choosing whether files are written unnamed first (tests of both write paths).</summary>
    internal FileStorage(string rootDirectory, bool unnamedFiles)
        : this(rootDirectory)
    {
        _unnamedFiles = unnamedFiles && UnnamedFile.MayWork;
    }

    /// <summary>The absolute path of the root directory, without a trailing separator (except <c>/</c>).</summary>
    public string Root { get; }

    /// <summary>Whether writes currently go through unnamed files (<see cref="UnnamedFile"/>), for tests and diagnostics.</summary>
    internal bool WritesUnnamedFiles => _unnamedFiles;

    /// <inheritdoc/>
    public string DisplayName => "file://" + Root + (Root.EndsWith('/') ? "" : "/");

    /// <inheritdoc/>
    public StorageCapabilities Capabilities =>
        StorageCapabilities.Directories | StorageCapabilities.Modes | StorageCapabilities.Symlinks | StorageCapabilities.ModifiedTimes
        | StorageCapabilities.InPlaceWrites;

    /// <summary>The local path of <paramref name="key"/> after validating it.</summary>
    /// <param name="key">A key; a directory key ends in <c>/</c>.</param>
    /// <returns>The absolute path below <see cref="Root"/> (without a trailing separator).</returns>
    /// <exception cref="StorageException">The key is invalid (<see cref="StorageErrorKind.Invalid"/>).</exception>
    public string PathOf(string key)
    {
        LocalKeys.Validate(key, DisplayName);
        string rel = key.EndsWith('/') ? key[..^1] : key;
        return Root == "/" ? "/" + rel : Root + "/" + rel;
    }

    /// <inheritdoc/>
    public Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null)
            {
                return Task.FromResult<ObjectEntry?>(null);
            }

            if (info.LinkTarget is { } target)
            {
                return Task.FromResult<ObjectEntry?>(new ObjectEntry(key.TrimEnd('/'), System.Text.Encoding.UTF8.GetByteCount(target), info.LastWriteTimeUtc)
                {
                    Kind = EntryKind.Symlink,
                    LinkTarget = target,
                });
            }

            if (key.EndsWith('/'))
            {
                var dir = new DirectoryInfo(path);
                return Task.FromResult<ObjectEntry?>(dir.Exists
                    ? new ObjectEntry(key, 0, dir.LastWriteTimeUtc) { Kind = EntryKind.Directory, Mode = (int)dir.UnixFileMode }
                    : null);
            }

            return Task.FromResult<ObjectEntry?>(info.Exists
                ? new ObjectEntry(key, info.Length, info.LastWriteTimeUtc) { Mode = (int)info.UnixFileMode }
                : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "head", key);
        }
    }

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Task.FromResult<Stream>(new LocalFileReadStream(handle, offset, length >= 0 ? offset + length : long.MaxValue));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "read", key);
        }
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            if (key.EndsWith('/'))
            {
                if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
                {
                    Directory.Delete(path, recursive: false);
                }
            }
            else if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                throw new StorageException(StorageErrorKind.Invalid, $"delete {key} in {DisplayName}: is a directory");
            }
            else
            {
                File.Delete(path);
            }

            return Task.CompletedTask;
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        catch (IOException e) when (key.EndsWith('/') && Directory.Exists(path))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"delete {key} in {DisplayName}: directory not empty", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "delete", key);
        }
    }

    /// <inheritdoc/>
    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!key.EndsWith('/'))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"directory key '{key}' does not end in '/'");
        }

        string path = PathForWrite(key, isDirectory: true);
        try
        {
            EnsureDirectory(path);
            if (options.Mode is { } mode)
            {
                SetMode(path, (UnixFileMode)(mode & 0xFFF));
            }

            if (options.ModifiedTime is { } mtime)
            {
                Directory.SetLastWriteTimeUtc(path, mtime.UtcDateTime);
            }

            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "mkdir", key);
        }
    }

    /// <inheritdoc/>
    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        string path = PathForWrite(key.TrimEnd('/'), isDirectory: false);
        string temp = TempPath(path);
        try
        {
            File.CreateSymbolicLink(temp, target);
            if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
            {
                throw new StorageException(StorageErrorKind.Invalid, $"symlink {key} in {DisplayName}: a directory is in the way");
            }

            NativePath.Rename(temp, path);
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "symlink", key);
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default)
    {
        string path = PathOf(key);
        try
        {
            if (new FileInfo(path).LinkTarget is not null)
            {
                // A link's own mode and mtime are not copied (the juicefs sync guide, "拷贝符号链接").
                return Task.CompletedTask;
            }

            if (mode is { } m)
            {
                SetMode(path, (UnixFileMode)(m & 0xFFF));
            }

            if (modifiedTime is { } t)
            {
                File.SetLastWriteTimeUtc(path, t.UtcDateTime);
            }

            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "chmod/utime", key);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Validates <paramref name="key"/> and makes its parent directories exist without passing a symbolic link.</summary>
    private string PathForWrite(string key, bool isDirectory)
    {
        string path = PathOf(key);
        if (!isDirectory && key.EndsWith('/'))
        {
            throw new StorageException(StorageErrorKind.Invalid, $"key '{key}' names a directory");
        }

        string? parent = Path.GetDirectoryName(path);
        if (parent is not null)
        {
            try
            {
                EnsureDirectory(parent);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "mkdir", key);
            }
        }

        return path;
    }

    /// <summary>Creates <paramref name="directory"/> (below or equal to <see cref="Root"/>) component by component, refusing symbolic links.</summary>
    private void EnsureDirectory(string directory)
    {
        if (_verifiedDirectories.ContainsKey(directory))
        {
            return;
        }

        if (directory == Root || directory.Length <= Root.Length)
        {
            Directory.CreateDirectory(Root);
            _verifiedDirectories.TryAdd(Root, true);
            return;
        }

        string parent = Path.GetDirectoryName(directory) ?? Root;
        EnsureDirectory(parent);
        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
        {
            throw new StorageException(StorageErrorKind.Invalid, $"refusing to write through the symbolic link {directory} in {DisplayName}");
        }

        if (!info.Exists)
        {
            if (File.Exists(directory))
            {
                throw new StorageException(StorageErrorKind.Invalid, $"{directory} in {DisplayName} is a file, not a directory");
            }

            Directory.CreateDirectory(directory);
        }

        _verifiedDirectories.TryAdd(directory, true);
    }

    private StorageException Map(Exception e, string operation, string key) => e switch
    {
        StorageException s => s,
        FileNotFoundException or DirectoryNotFoundException =>
            new StorageException(StorageErrorKind.NotFound, $"{operation} {key} in {DisplayName}: not found", e),
        UnauthorizedAccessException =>
            new StorageException(StorageErrorKind.AccessDenied, $"{operation} {key} in {DisplayName}: permission denied", e),
        _ => new StorageException(StorageErrorKind.Other, $"{operation} {key} in {DisplayName}: {e.Message}", e),
    };

}
