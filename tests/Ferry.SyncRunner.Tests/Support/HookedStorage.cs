using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>Wraps a store and lets a test inject failures or changed metadata (no server-side copy, so bytes stream through).</summary>
public sealed class HookedStorage(IObjectStorage inner) : IObjectStorage
{
    public Func<string, Exception?>? BeforePut { get; init; }

    public Func<ObjectEntry?, ObjectEntry?>? AfterHead { get; init; }

    public int Puts;

    public string DisplayName => "hooked:" + inner.DisplayName;

    public StorageCapabilities Capabilities => inner.Capabilities;

    public IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, CancellationToken cancellationToken = default) => inner.ListAsync(options, cancellationToken);

    public async Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectEntry? e = await inner.HeadAsync(key, cancellationToken);
        return AfterHead is null ? e : AfterHead(e);
    }

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(key, offset, length, cancellationToken);

    public Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Puts);
        if (BeforePut?.Invoke(key) is { } e)
        {
            throw e;
        }

        return inner.PutAsync(key, content, size, options, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default) => inner.CreateDirectoryAsync(key, options, cancellationToken);

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) => inner.CreateSymlinkAsync(key, target, cancellationToken);

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) =>
        inner.SetAttributesAsync(key, mode, modifiedTime, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
