using Ferry.SyncRunner.Storage.Walk;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>The listing: <see cref="SortedTreeWalk"/> over this directory reader (getdents64 + fstatat through
/// <see cref="DirectoryReader"/>, <see cref="DirectoryInfo"/> where that is not supported).</summary>
public sealed partial class FileStorage : ITreeReader
{
    /// <inheritdoc/>
    public IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, CancellationToken cancellationToken = default) =>
        SortedTreeWalk.ListAsync(this, options, cancellationToken);

    /// <inheritdoc/>
    ValueTask<string?> ITreeReader.RealRootAsync(CancellationToken cancellationToken) => new(_realRoot ??= NativePath.RealPath(Root));

    /// <inheritdoc/>
    /// <remarks>The trailing <c>/</c> makes <c>realpath(3)</c> refuse anything but a directory.</remarks>
    ValueTask<string?> ITreeReader.RealPathAsync(string directoryKey, CancellationToken cancellationToken) =>
        new(NativePath.RealPath(PathOf(directoryKey) + "/"));

    /// <inheritdoc/>
    ValueTask<List<TreeEntry>?> ITreeReader.ReadAsync(string directoryKey, string realPath, bool links, string realRoot, CancellationToken cancellationToken)
    {
        var list = new List<TreeEntry>();
        try
        {
            if (DirectoryReader.IsSupported)
            {
                foreach (DirectoryReader.Entry e in DirectoryReader.Read(realPath))
                {
                    switch (e.Kind)
                    {
                        case EntryKind.Symlink:
                            string linkPath = SortedTreeWalk.Join(realPath, e.Name);
                            AddLink(list, new FileInfo(linkPath), directoryKey + e.Name, linkPath, realPath, links, realRoot);
                            break;
                        case EntryKind.Directory:
                            list.Add(new TreeEntry(
                                new ObjectEntry(directoryKey + e.Name + "/", 0, e.ModifiedTime) { Kind = EntryKind.Directory, Mode = e.Mode },
                                SortedTreeWalk.Join(realPath, e.Name)));
                            break;
                        default:
                            list.Add(new TreeEntry(new ObjectEntry(directoryKey + e.Name, e.Size, e.ModifiedTime) { Mode = e.Mode }));
                            break;
                    }
                }
            }
            else
            {
                var options = new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0, RecurseSubdirectories = false };
                foreach (FileSystemInfo info in new DirectoryInfo(realPath).EnumerateFileSystemInfos("*", options))
                {
                    string key = directoryKey + info.Name;
                    if ((info.Attributes & FileAttributes.ReparsePoint) != 0)
                    {
                        AddLink(list, info, key, SortedTreeWalk.Join(realPath, info.Name), realPath, links, realRoot);
                    }
                    else if (info is DirectoryInfo d)
                    {
                        list.Add(new TreeEntry(
                            new ObjectEntry(key + "/", 0, d.LastWriteTimeUtc) { Kind = EntryKind.Directory, Mode = (int)d.UnixFileMode },
                            SortedTreeWalk.Join(realPath, info.Name)));
                    }
                    else if (info is FileInfo f)
                    {
                        list.Add(new TreeEntry(new ObjectEntry(key, f.Length, f.LastWriteTimeUtc) { Mode = (int)f.UnixFileMode }));
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return new((List<TreeEntry>?)null); // removed since it was listed
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Map(e, "list", directoryKey.Length == 0 ? "/" : directoryKey);
        }

        return new(list);
    }

    /// <summary>A symbolic link: kept as a link with <c>--links</c>, else followed where <see cref="SortedTreeWalk.MayFollow"/> allows.</summary>
    private static void AddLink(List<TreeEntry> list, FileSystemInfo info, string key, string linkPath, string directoryReal, bool links, string realRoot)
    {
        if (links)
        {
            if (info.LinkTarget is { } target)
            {
                list.Add(new TreeEntry(new ObjectEntry(key, System.Text.Encoding.UTF8.GetByteCount(target), info.LastWriteTimeUtc)
                {
                    Kind = EntryKind.Symlink,
                    LinkTarget = target,
                }));
            }

            return;
        }

        if (NativePath.RealPath(linkPath) is not { } real)
        {
            return; // dangling
        }

        bool isDirectory = Directory.Exists(real);
        if (!SortedTreeWalk.MayFollow(real, isDirectory, directoryReal, realRoot))
        {
            return;
        }

        if (isDirectory)
        {
            var dir = new DirectoryInfo(real);
            list.Add(new TreeEntry(new ObjectEntry(key + "/", 0, dir.LastWriteTimeUtc) { Kind = EntryKind.Directory, Mode = (int)dir.UnixFileMode }, real, FollowedLink: true));
        }
        else if (new FileInfo(real) is { Exists: true } file)
        {
            list.Add(new TreeEntry(new ObjectEntry(key, file.Length, file.LastWriteTimeUtc) { Mode = (int)file.UnixFileMode }));
        }
    }
}
