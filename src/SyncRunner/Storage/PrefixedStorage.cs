namespace Ferry.SyncRunner.Storage;

/// <summary>
/// A view of another store restricted to keys that start with <see cref="Prefix"/>; the view's keys are the
/// inner keys with the prefix removed. This is how a location without a trailing <c>/</c> behaves.
/// </summary>
/// <remarks>
/// juicefs sync treats <c>SRC</c>/<c>DST</c> that do not end in <c>/</c> as key prefixes, not directories:
/// <c>sync ./te ~/mnt/ab</c> copies <c>test/x</c> to <c>~/mnt/abst/x</c> (juicefs sync guide, cloud
/// edition, "模式匹配"; juicefs <c>cmd/sync.go</c> and <c>pkg/object/file.go</c>). The view's keys may
/// therefore be <c>""</c> (an object named exactly the prefix) or start with <c>/</c>.
/// </remarks>
/// <param name="inner">The store that holds the keys.</param>
/// <param name="prefix">The prefix, e.g. <c>"data"</c> for <c>/srv/data</c>.</param>
internal sealed class PrefixedStorage(IObjectStorage inner, string prefix) : IObjectStorage, IServerSideCopy
{
    /// <summary>The store that holds the keys.</summary>
    public IObjectStorage Inner { get; } = inner;

    /// <summary>The prefix every key of this view carries in <see cref="Inner"/>.</summary>
    public string Prefix { get; } = prefix;

    public string DisplayName => Inner.DisplayName + Prefix;

    public StorageCapabilities Capabilities => Inner.Capabilities;

    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ListOptions innerOptions = options with
        {
            Prefix = Prefix + options.Prefix,
            Start = Prefix + options.Start,
            End = options.End is null ? null : Prefix + options.End,
        };
        await foreach (ObjectEntry entry in Inner.ListAsync(innerOptions, cancellationToken).ConfigureAwait(false))
        {
            yield return entry with { Key = entry.Key[Prefix.Length..] };
        }
    }

    public async Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectEntry? e = await Inner.HeadAsync(Prefix + key, cancellationToken).ConfigureAwait(false);
        return e is null ? null : e with { Key = e.Key[Math.Min(Prefix.Length, e.Key.Length)..] };
    }

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        Inner.OpenReadAsync(Prefix + key, offset, length, cancellationToken);

    public Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default) =>
        Inner.PutAsync(Prefix + key, content, size, options, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Inner.DeleteAsync(Prefix + key, cancellationToken);

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default) =>
        Inner.CreateDirectoryAsync(Prefix + key, options, cancellationToken);

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) =>
        Inner.CreateSymlinkAsync(Prefix + key, target, cancellationToken);

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) =>
        Inner.SetAttributesAsync(Prefix + key, mode, modifiedTime, cancellationToken);

    public bool CanCopyFrom(IObjectStorage source) =>
        Inner is IServerSideCopy copy && copy.CanCopyFrom(source is PrefixedStorage p ? p.Inner : source);

    public Task CopyFromAsync(IObjectStorage source, ObjectEntry sourceEntry, string destinationKey, PutOptions options, CancellationToken cancellationToken = default)
    {
        if (Inner is not IServerSideCopy copy)
        {
            throw new NotSupportedException($"{DisplayName} has no server-side copy");
        }

        return source is PrefixedStorage p
            ? copy.CopyFromAsync(p.Inner, sourceEntry with { Key = p.Prefix + sourceEntry.Key }, Prefix + destinationKey, options, cancellationToken)
            : copy.CopyFromAsync(source, sourceEntry, Prefix + destinationKey, options, cancellationToken);
    }

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}
