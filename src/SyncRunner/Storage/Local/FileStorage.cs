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
public sealed class FileStorage : IObjectStorage, IServerSideCopy
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
        StorageCapabilities.Directories | StorageCapabilities.Modes | StorageCapabilities.Symlinks | StorageCapabilities.ModifiedTimes;

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
    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (ObjectEntry entry in List(options, cancellationToken))
        {
            yield return entry;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The synchronous walk behind <see cref="ListAsync"/>.</summary>
    internal IEnumerable<ObjectEntry> List(ListOptions options, CancellationToken cancellationToken)
    {
        string prefix = options.Prefix;
        string start = options.Start;
        string? end = options.End;
        string baseKey = prefix[..(prefix.LastIndexOf('/') + 1)];
        string basePath = baseKey.Length == 0 ? Root : PathOf(baseKey);
        if (!Directory.Exists(basePath))
        {
            yield break;
        }

        string realRoot = RealRoot();
        string? baseReal = NativePath.RealPath(basePath);
        if (baseReal is null || !NativePath.IsWithin(baseReal, realRoot))
        {
            yield break;
        }

        var stack = new Stack<Frame>();
        stack.Push(new Frame(ReadChildren(basePath, baseKey, baseReal, options.Links, realRoot), baseReal));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = stack.Peek();
            if (frame.Index == frame.Children.Length)
            {
                stack.Pop();
                continue;
            }

            Child child = frame.Children[frame.Index++];
            string key = child.Entry.Key;
            if (end is not null && KeyComparer.Utf8.Compare(key, end) >= 0)
            {
                yield break;
            }

            if (child.Entry.Kind == EntryKind.Directory)
            {
                bool beforeStart = KeyComparer.Utf8.Compare(key, start) < 0;
                if (beforeStart && !start.StartsWith(key, StringComparison.Ordinal))
                {
                    continue;
                }

                bool inPrefix = key.StartsWith(prefix, StringComparison.Ordinal);
                if (!inPrefix && !prefix.StartsWith(key, StringComparison.Ordinal))
                {
                    continue;
                }

                if (inPrefix && !beforeStart)
                {
                    yield return child.Entry;
                }

                if (options.Recursive && child.RealPath is not null)
                {
                    if (IsLoop(stack, child.RealPath))
                    {
                        continue;
                    }

                    Child[] children;
                    try
                    {
                        children = ReadChildren(child.Path, key, child.RealPath, options.Links, realRoot);
                    }
                    catch (StorageException) when (child.FollowedLink)
                    {
                        continue;
                    }

                    stack.Push(new Frame(children, child.RealPath));
                }
            }
            else if (KeyComparer.Utf8.Compare(key, start) >= 0 && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return child.Entry;
            }
        }
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
                if (!UnnamedFile.TryLink(unnamed, path))
                {
                    // The key exists: name the new file temporarily, then rename it over the old one (atomic).
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
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Map(e, "write", key);
            }
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
    private static async Task WriteContentAsync(SafeFileHandle handle, Stream content, PutOptions options, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long offset = 0;
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
    public bool CanCopyFrom(IObjectStorage source) => source is FileStorage;

    /// <inheritdoc/>
    /// <remarks>Copies with the kernel's file copy (<c>copy_file_range</c>) into a temporary file, then renames.</remarks>
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

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool IsLoop(Stack<Frame> stack, string realPath)
    {
        foreach (Frame f in stack)
        {
            if (f.RealPath == realPath)
            {
                return true;
            }
        }

        return false;
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

    private string RealRoot()
    {
        if (_realRoot is null)
        {
            string? real = NativePath.RealPath(Root);
            if (real is null)
            {
                return Root;
            }

            _realRoot = real;
        }

        return _realRoot;
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

    private Child[] ReadChildren(string dirPath, string dirKey, string dirReal, bool links, string realRoot)
    {
        var list = new List<Child>();
        try
        {
            var options = new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false };
            foreach (FileSystemInfo info in new DirectoryInfo(dirPath).EnumerateFileSystemInfos("*", options))
            {
                string name = info.Name;
                if (name.Contains('\0'))
                {
                    continue;
                }

                string childPath = dirPath == "/" ? "/" + name : dirPath + "/" + name;
                bool isLink = (info.Attributes & FileAttributes.ReparsePoint) != 0;
                if (isLink)
                {
                    if (links)
                    {
                        string? target = info.LinkTarget;
                        if (target is null)
                        {
                            continue;
                        }

                        list.Add(new Child(new ObjectEntry(dirKey + name, System.Text.Encoding.UTF8.GetByteCount(target), info.LastWriteTimeUtc)
                        {
                            Kind = EntryKind.Symlink,
                            LinkTarget = target,
                        }, childPath, null, false));
                        continue;
                    }

                    // Follow the link only when its canonical target stays inside the root.
                    string? real = NativePath.RealPath(childPath);
                    if (real is null || !NativePath.IsWithin(real, realRoot))
                    {
                        continue;
                    }

                    if (Directory.Exists(real))
                    {
                        if (NativePath.IsWithin(dirReal, real))
                        {
                            continue; // a link to an ancestor: following it would loop
                        }

                        var dir = new DirectoryInfo(real);
                        list.Add(new Child(new ObjectEntry(dirKey + name + "/", 0, dir.LastWriteTimeUtc)
                        {
                            Kind = EntryKind.Directory,
                            Mode = (int)dir.UnixFileMode,
                        }, childPath, real, true));
                    }
                    else
                    {
                        var file = new FileInfo(real);
                        if (file.Exists)
                        {
                            list.Add(new Child(new ObjectEntry(dirKey + name, file.Length, file.LastWriteTimeUtc) { Mode = (int)file.UnixFileMode }, childPath, null, false));
                        }
                    }

                    continue;
                }

                if (info is DirectoryInfo d)
                {
                    list.Add(new Child(new ObjectEntry(dirKey + name + "/", 0, d.LastWriteTimeUtc)
                    {
                        Kind = EntryKind.Directory,
                        Mode = (int)d.UnixFileMode,
                    }, childPath, dirReal == "/" ? "/" + name : dirReal + "/" + name, false));
                }
                else if (info is FileInfo f)
                {
                    list.Add(new Child(new ObjectEntry(dirKey + name, f.Length, f.LastWriteTimeUtc) { Mode = (int)f.UnixFileMode }, childPath, null, false));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "list", dirKey.Length == 0 ? "/" : dirKey);
        }

        Child[] children = list.ToArray();
        Array.Sort(children, static (x, y) => KeyComparer.Utf8.Compare(x.Entry.Key, y.Entry.Key));
        return children;
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

    private sealed record Child(ObjectEntry Entry, string Path, string? RealPath, bool FollowedLink);

    private sealed class Frame(Child[] children, string realPath)
    {
        public Child[] Children { get; } = children;

        public string RealPath { get; } = realPath;

        public int Index { get; set; }
    }
}
