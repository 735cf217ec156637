using System.Runtime.CompilerServices;
using Ferry.SyncRunner.Storage;

namespace Ferry.Bench;

/// <summary>
/// A read-only object store of <c>count</c> generated keys (<c>dNNNN/fNNNNNNNN.bin</c>, 1,000 per
/// directory), listed lazily in UTF-8 order without ever holding the key set in memory.
/// </summary>
internal sealed class GeneratedStorage(string name, long count, long size) : IObjectStorage
{
    private static readonly DateTimeOffset Mtime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string DisplayName => name;

    public StorageCapabilities Capabilities => StorageCapabilities.None;

    public static string Key(long i) => $"d{i / 1000:D4}/f{i:D8}.bin";

    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        string start = options.Start.Length > 0 && string.CompareOrdinal(options.Start, options.Prefix) > 0 ? options.Start : options.Prefix;
        for (long i = FirstAtOrAfter(start); i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string key = Key(i);
            if (!key.StartsWith(options.Prefix, StringComparison.Ordinal))
            {
                if (string.CompareOrdinal(key, options.Prefix) > 0)
                {
                    yield break;
                }

                continue;
            }

            if (options.End is not null && string.CompareOrdinal(key, options.End) >= 0)
            {
                yield break;
            }

            yield return new ObjectEntry(key, size, Mtime);
        }
    }

    public Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        long i = FirstAtOrAfter(key);
        return Task.FromResult(i < count && Key(i) == key ? new ObjectEntry(key, size, Mtime) : null);
    }

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new MemoryStream(new byte[length < 0 ? size - offset : length], writable: false));

    public Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the generated store is read-only");

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the generated store is read-only");

    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the generated store is read-only");

    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the generated store is read-only");

    public Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the generated store is read-only");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // Keys grow with i, so binary search for the first key >= s.
    private long FirstAtOrAfter(string s)
    {
        long lo = 0, hi = count;
        while (lo < hi)
        {
            long mid = lo + ((hi - lo) / 2);
            if (string.CompareOrdinal(Key(mid), s) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
