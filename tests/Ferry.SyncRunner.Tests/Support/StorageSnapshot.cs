using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Tests.Support;

/// <summary>The files of any <see cref="IObjectStorage"/>: key → SHA-256 of the content (the form <see cref="TreeSnapshot"/> uses).</summary>
public static class StorageSnapshot
{
    public static async Task<SortedDictionary<string, string>> TakeAsync(IObjectStorage storage)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (ObjectEntry e in storage.ListAsync(new ListOptions()))
        {
            if (e.Kind == EntryKind.File)
            {
                result[e.Key] = SyncOracle.Hash(await ReadAllAsync(storage, e.Key));
            }
        }

        return result;
    }

    public static async Task<byte[]> ReadAllAsync(IObjectStorage storage, string key)
    {
        await using Stream s = await storage.OpenReadAsync(key);
        var m = new MemoryStream();
        await s.CopyToAsync(m);
        return m.ToArray();
    }
}
