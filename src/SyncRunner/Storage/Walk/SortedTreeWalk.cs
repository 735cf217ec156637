using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;

namespace Ferry.SyncRunner.Storage.Walk;

/// <summary>
/// The listing of every file-like backend: a depth-first walk that reads each directory once through an
/// <see cref="ITreeReader"/> and sorts its entries by key, so that the whole listing comes out in
/// <see cref="KeyComparer.Utf8"/> order with memory proportional to depth × directory width.
/// </summary>
/// <remarks>
/// <para>Order: a directory's key is <c>name/</c> and a file's <c>name</c>, compared as UTF-8 bytes, and a directory
/// comes before its contents: the order of S3's ListObjectsV2, which the planner's merge-join needs (DESIGN.md, "The
/// sync engine").</para>
/// <para>Directories: the walk starts in the deepest directory that holds every key with the prefix when the path to it
/// has no symbolic link, else at the root; it reads no sub-tree that lies outside the prefix, before the start of the
/// range or (not recursive) deeper than one level below the prefix, and stops at the first key at or past the end.
/// The directory that a prefix ending in <c>/</c> names is not listed itself, only what it holds.</para>
/// <para>Symbolic links (the juicefs sync guide, "拷贝符号链接"): with <see cref="ListOptions.Links"/> the backend lists
/// them as links; otherwise it follows a link only where <see cref="MayFollow"/> allows (inside the root, not to an
/// ancestor), leaves out dangling ones, and the walk never enters a directory it is already inside (two links that
/// lead to each other). A followed directory that cannot be read is left out.</para>
/// </remarks>
internal static class SortedTreeWalk
{
    /// <summary>Lists <paramref name="options"/>' keys of the tree <paramref name="reader"/> reads, in
    /// <see cref="KeyComparer.Utf8"/> order.</summary>
    /// <param name="reader">The backend's directory reader.</param>
    /// <param name="options">Prefix, half-open range [start, end), depth and link handling.</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    /// <returns>The entries, lazily; empty when the root or the prefix's directory does not exist.</returns>
    /// <exception cref="StorageException">A directory could not be read.</exception>
    public static async IAsyncEnumerable<ObjectEntry> ListAsync(ITreeReader reader, ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        string prefix = options.Prefix;
        string start = options.Start;
        string? end = options.End;
        bool recursive = options.Recursive;
        string? realRoot = await reader.RealRootAsync(cancellationToken).ConfigureAwait(false);
        if (realRoot is null)
        {
            yield break;
        }

        // Every key with the prefix "a/b/c" lies in the directory "a/b/": start there when no link is on the way,
        // else at the root so that links on the way are handled as everywhere else.
        string baseKey = prefix[..(prefix.LastIndexOf('/') + 1)];
        string startKey = "";
        string startReal = realRoot;
        if (baseKey.Length > 0)
        {
            string? real = await reader.RealPathAsync(baseKey, cancellationToken).ConfigureAwait(false);
            if (real is null)
            {
                yield break;
            }

            if (real == Join(realRoot, baseKey[..^1]))
            {
                (startKey, startReal) = (baseKey, real);
            }
        }

        List<TreeEntry>? top = await reader.ReadAsync(startKey, startReal, options.Links, realRoot, cancellationToken).ConfigureAwait(false);
        if (top is null)
        {
            yield break;
        }

        var stack = new Stack<Frame>();
        stack.Push(new Frame(Sorted(top), startReal));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = stack.Peek();
            if (frame.Index == frame.Entries.Count)
            {
                stack.Pop();
                continue;
            }

            TreeEntry child = frame.Entries[frame.Index++];
            string key = child.Entry.Key;
            if (end is not null && KeyComparer.Utf8.Compare(key, end) >= 0)
            {
                yield break; // everything after sorts at or past the end
            }

            if (child.Entry.Kind != EntryKind.Directory)
            {
                if (KeyComparer.Utf8.Compare(key, start) >= 0 && key.StartsWith(prefix, StringComparison.Ordinal) && (recursive || IsShallow(key, prefix)))
                {
                    yield return child.Entry;
                }

                continue;
            }

            // Every key below a directory sorts after it and, unless the start lies inside it, on the same side of
            // the start; the sub-tree and the prefix meet only when one starts with the other.
            bool beforeStart = KeyComparer.Utf8.Compare(key, start) < 0;
            if (beforeStart && !start.StartsWith(key, StringComparison.Ordinal))
            {
                continue;
            }

            bool inPrefix = key.StartsWith(prefix, StringComparison.Ordinal);
            bool prefixInside = !inPrefix && prefix.StartsWith(key, StringComparison.Ordinal);
            if (!inPrefix && !prefixInside)
            {
                continue;
            }

            if (inPrefix && !beforeStart && (recursive || IsShallow(key, prefix)) && key.Length != prefix.Length)
            {
                yield return child.Entry; // the directory a prefix "a/" names is not listed, only what it holds
            }

            if (child.RealPath is not { } real || !(recursive || prefixInside) || IsOnStack(stack, real))
            {
                continue;
            }

            List<TreeEntry>? entries;
            try
            {
                entries = await reader.ReadAsync(key, real, options.Links, realRoot, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException) when (child.FollowedLink)
            {
                continue;
            }

            if (entries is not null)
            {
                stack.Push(new Frame(Sorted(entries), real));
            }
        }
    }

    /// <summary>Whether a symbolic link whose canonical target is <paramref name="target"/> may be followed: the target
    /// lies inside the root, and a directory target is not the directory holding the link or one of its ancestors
    /// (following it would loop).</summary>
    /// <param name="target">The link's canonical target.</param>
    /// <param name="isDirectory">Whether the target is a directory.</param>
    /// <param name="directoryRealPath">The canonical path of the directory that holds the link.</param>
    /// <param name="realRoot">The canonical path of the storage root.</param>
    /// <returns><see langword="true"/> when the walk follows the link.</returns>
    /// <remarks>The juicefs sync guide, "拷贝符号链接": without <c>--links</c>, links are followed, and Ferry follows none
    /// out of the tree it syncs.</remarks>
    public static bool MayFollow(string target, bool isDirectory, string directoryRealPath, string realRoot) =>
        IsWithin(target, realRoot) && !(isDirectory && IsWithin(directoryRealPath, target));

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or lies below it (both canonical).</summary>
    /// <param name="path">A canonical path.</param>
    /// <param name="root">A canonical directory path.</param>
    /// <returns><see langword="true"/> when it is inside.</returns>
    public static bool IsWithin(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root.EndsWith('/') || path[root.Length] == '/'));

    /// <summary>The canonical path of <paramref name="name"/> inside the directory <paramref name="directory"/>.</summary>
    /// <param name="directory">A canonical directory path (<c>/</c> for the root).</param>
    /// <param name="name">A path relative to it, without a leading or trailing <c>/</c>.</param>
    /// <returns>The joined path.</returns>
    public static string Join(string directory, string name) => directory.EndsWith('/') ? directory + name : directory + "/" + name;

    private static List<TreeEntry> Sorted(List<TreeEntry> entries)
    {
        entries.Sort(static (x, y) => KeyComparer.Utf8.Compare(x.Entry.Key, y.Entry.Key));
        return entries;
    }

    /// <summary>Whether <paramref name="key"/> is at most one level below <paramref name="prefix"/> (a one-level listing's).</summary>
    private static bool IsShallow(string key, string prefix)
    {
        int slash = key.IndexOf('/', prefix.Length);
        return slash < 0 || slash == key.Length - 1;
    }

    private static bool IsOnStack(Stack<Frame> stack, string realPath)
    {
        foreach (Frame frame in stack)
        {
            if (frame.RealPath == realPath)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Frame(List<TreeEntry> entries, string realPath)
    {
        public List<TreeEntry> Entries { get; } = entries;

        public string RealPath { get; } = realPath;

        public int Index { get; set; }
    }
}
