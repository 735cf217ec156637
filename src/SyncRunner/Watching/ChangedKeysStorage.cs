using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// A view of a store whose listing holds only the keys of one batch (<see cref="ChangeSelection"/>), so that the
/// engine's merge-join, decisions and filters run on exactly the changed keys, with no listing of the rest of the
/// tree. Everything else goes to the inner store unchanged.
/// </summary>
/// <remarks>
/// Each group of changed keys that share a parent directory costs one listing of that directory, one level deep and
/// limited to the group's key range (one request on S3, one directory read on a file system), with the same
/// <see cref="ListOptions.Links"/> rule as a full listing; a deep change adds a listing of its subtree. Both sides of a
/// batch use views of the same selection, so a key absent on one side is absent from its view too: missing in the
/// destination is a copy, missing in the source a delete (with <c>--delete-dst</c>), exactly as in a full run.
/// Disposing the view leaves the inner store open.
/// </remarks>
/// <param name="inner">The store.</param>
/// <param name="selection">The batch's keys.</param>
internal sealed class ChangedKeysStorage(IObjectStorage inner, ChangeSelection selection) : IObjectStorage, IServerSideCopy
{
    /// <summary>The store the view reads.</summary>
    public IObjectStorage Inner { get; } = inner;

    public string DisplayName => Inner.DisplayName;

    public StorageCapabilities Capabilities => Inner.Capabilities;

    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (selection.All)
        {
            await foreach (ObjectEntry entry in Inner.ListAsync(options, cancellationToken).ConfigureAwait(false))
            {
                yield return entry;
            }

            yield break;
        }

        foreach (ChangeSelection.Group group in selection.Groups)
        {
            if (options.End is { } end && KeyComparer.Utf8.Compare(group.First, end) >= 0)
            {
                yield break;
            }

            if (KeyComparer.Utf8.Compare(group.End, options.Start) <= 0)
            {
                continue;
            }

            var wanted = new Dictionary<string, ChangeSelection.Item>(group.Items.Count, StringComparer.Ordinal);
            foreach (ChangeSelection.Item item in group.Items)
            {
                wanted[item.Key] = item;
            }

            var listing = new ListOptions { Prefix = group.Parent, Start = group.First, End = group.End, Recursive = false, Links = options.Links };
            await foreach (ObjectEntry entry in Inner.ListAsync(listing, cancellationToken).ConfigureAwait(false))
            {
                if (!wanted.TryGetValue(entry.Key, out ChangeSelection.Item item))
                {
                    continue;
                }

                if (InRange(entry.Key, options))
                {
                    yield return entry;
                }

                if (item.IsDirectory && item.Deep && entry.Kind == EntryKind.Directory)
                {
                    // Past the directory entry itself, which an object store may also list under its own prefix.
                    string afterEntry = entry.Key + "\0";
                    string start = KeyComparer.Utf8.Compare(options.Start, afterEntry) > 0 ? options.Start : afterEntry;
                    var subtree = new ListOptions { Prefix = entry.Key, Start = start, End = options.End, Recursive = true, Links = options.Links };
                    await foreach (ObjectEntry below in Inner.ListAsync(subtree, cancellationToken).ConfigureAwait(false))
                    {
                        if (InRange(below.Key, options))
                        {
                            yield return below;
                        }
                    }
                }
            }
        }
    }

    public Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default) => Inner.HeadAsync(key, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        Inner.OpenReadAsync(key, offset, length, cancellationToken);

    public Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default) =>
        Inner.PutAsync(key, content, size, options, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => Inner.DeleteAsync(key, cancellationToken);

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default) =>
        Inner.CreateDirectoryAsync(key, options, cancellationToken);

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) =>
        Inner.CreateSymlinkAsync(key, target, cancellationToken);

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) =>
        Inner.SetAttributesAsync(key, mode, modifiedTime, cancellationToken);

    public bool CanCopyFrom(IObjectStorage source) => Inner is IServerSideCopy copy && copy.CanCopyFrom(Unwrap(source));

    public Task CopyFromAsync(IObjectStorage source, ObjectEntry sourceEntry, string destinationKey, PutOptions options, CancellationToken cancellationToken = default) =>
        Inner is IServerSideCopy copy
            ? copy.CopyFromAsync(Unwrap(source), sourceEntry, destinationKey, options, cancellationToken)
            : throw new NotSupportedException($"{DisplayName} has no server-side copy");

    /// <summary>Leaves the inner store open: it outlives the batch.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static IObjectStorage Unwrap(IObjectStorage storage) => storage is ChangedKeysStorage view ? view.Inner : storage;

    private static bool InRange(string key, ListOptions options) =>
        KeyComparer.Utf8.Compare(key, options.Start) >= 0
        && (options.End is not { } end || KeyComparer.Utf8.Compare(key, end) < 0)
        && key.StartsWith(options.Prefix, StringComparison.Ordinal);
}
