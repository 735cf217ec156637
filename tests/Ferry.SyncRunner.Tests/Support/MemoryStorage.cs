using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>An object store in memory that lists whatever keys it is given, valid or not (a hostile or buggy remote).</summary>
public sealed class MemoryStorage : IObjectStorage
{
    private readonly SortedDictionary<string, byte[]> _objects = new(KeyComparer.Utf8);

    public string DisplayName => "memory://";

    public StorageCapabilities Capabilities => StorageCapabilities.None;

    public void Add(string key, string content) => _objects[key] = System.Text.Encoding.UTF8.GetBytes(content);

    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var range = new KeyRange(options.Start, options.End);
        foreach (KeyValuePair<string, byte[]> kv in _objects.Where(kv => range.Contains(kv.Key) && kv.Key.StartsWith(options.Prefix, StringComparison.Ordinal)).ToList())
        {
            yield return new ObjectEntry(kv.Key, kv.Value.Length, DateTimeOffset.UnixEpoch);
        }

        await Task.CompletedTask;
    }

    public Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_objects.TryGetValue(key, out byte[]? v) ? new ObjectEntry(key, v.Length, DateTimeOffset.UnixEpoch) : null);

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new MemoryStream(_objects[key]));

    public async Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        var ms = new MemoryStream();
        await content.CopyToAsync(ms, cancellationToken);
        _objects[key] = ms.ToArray();
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _objects.Remove(key);
        return Task.CompletedTask;
    }

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default)
    {
        _objects[key] = [];
        return Task.CompletedTask;
    }

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
