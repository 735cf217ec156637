using System.Collections.Concurrent;

namespace Ferry.Operator.SyncJobs;

/// <summary>Allows at most one status write per key per interval; callers coalesce what changes in between and
/// retry after the returned wait.</summary>
/// <param name="interval">The least time between two writes of one key.</param>
/// <param name="time">The clock.</param>
internal sealed class StatusWriteLimiter(TimeSpan interval, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastWrite = new(StringComparer.Ordinal);

    /// <summary>Takes the key's write slot if the interval has passed since its last write.</summary>
    /// <param name="key">The object key.</param>
    /// <param name="wait">When refused: how long until the slot frees up.</param>
    /// <returns><see langword="true"/> if the caller may write now (the write time is recorded).</returns>
    public bool TryAcquire(string key, out TimeSpan wait)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (_lastWrite.TryGetValue(key, out DateTimeOffset last) && now - last < interval)
        {
            wait = interval - (now - last);
            return false;
        }

        _lastWrite[key] = now;
        wait = TimeSpan.Zero;
        return true;
    }

    /// <summary>Records a write that bypassed the limit (a terminal transition).</summary>
    /// <param name="key">The object key.</param>
    public void Record(string key) => _lastWrite[key] = time.GetUtcNow();

    /// <summary>Forgets a key (its object is gone).</summary>
    /// <param name="key">The object key.</param>
    public void Forget(string key) => _lastWrite.TryRemove(key, out _);
}
