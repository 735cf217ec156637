using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>The walk: a depth-first listing in UTF-8 byte order, each directory's children read and sorted once.</summary>
public sealed partial class FileStorage
{
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

    private Child[] ReadChildren(string dirPath, string dirKey, string dirReal, bool links, string realRoot)
    {
        var list = new List<Child>();
        try
        {
            if (DirectoryReader.IsSupported)
            {
                foreach (DirectoryReader.Entry e in DirectoryReader.Read(dirPath))
                {
                    string childPath = dirPath == "/" ? "/" + e.Name : dirPath + "/" + e.Name;
                    switch (e.Kind)
                    {
                        case EntryKind.Symlink:
                            AddLink(list, new FileInfo(childPath), e.Name, childPath, dirKey, dirReal, links, realRoot);
                            break;
                        case EntryKind.Directory:
                            list.Add(new Child(new ObjectEntry(dirKey + e.Name + "/", 0, e.ModifiedTime)
                            {
                                Kind = EntryKind.Directory,
                                Mode = e.Mode,
                            }, childPath, dirReal == "/" ? "/" + e.Name : dirReal + "/" + e.Name, false));
                            break;
                        default:
                            list.Add(new Child(new ObjectEntry(dirKey + e.Name, e.Size, e.ModifiedTime) { Mode = e.Mode }, childPath, null, false));
                            break;
                    }
                }
            }
            else
            {
                var options = new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false };
                foreach (FileSystemInfo info in new DirectoryInfo(dirPath).EnumerateFileSystemInfos("*", options))
                {
                    string name = info.Name;
                    string childPath = dirPath == "/" ? "/" + name : dirPath + "/" + name;
                    if ((info.Attributes & FileAttributes.ReparsePoint) != 0)
                    {
                        AddLink(list, info, name, childPath, dirKey, dirReal, links, realRoot);
                    }
                    else if (info is DirectoryInfo d)
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
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "list", dirKey.Length == 0 ? "/" : dirKey);
        }

        Child[] children = list.ToArray();
        Array.Sort(children, static (x, y) => KeyComparer.Utf8.Compare(x.Entry.Key, y.Entry.Key));
        return children;
    }

    /// <summary>A symbolic link: kept as a link with <c>--links</c>, else followed when its canonical target stays inside the root.</summary>
    private static void AddLink(List<Child> list, FileSystemInfo info, string name, string childPath, string dirKey, string dirReal, bool links, string realRoot)
    {
        if (links)
        {
            string? target = info.LinkTarget;
            if (target is not null)
            {
                list.Add(new Child(new ObjectEntry(dirKey + name, System.Text.Encoding.UTF8.GetByteCount(target), info.LastWriteTimeUtc)
                {
                    Kind = EntryKind.Symlink,
                    LinkTarget = target,
                }, childPath, null, false));
            }

            return;
        }

        string? real = NativePath.RealPath(childPath);
        if (real is null || !NativePath.IsWithin(real, realRoot))
        {
            return;
        }

        if (Directory.Exists(real))
        {
            if (NativePath.IsWithin(dirReal, real))
            {
                return; // a link to an ancestor: following it would loop
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
    }

    private sealed record Child(ObjectEntry Entry, string Path, string? RealPath, bool FollowedLink);

    private sealed class Frame(Child[] children, string realPath)
    {
        public Child[] Children { get; } = children;

        public string RealPath { get; } = realPath;

        public int Index { get; set; }
    }
}
