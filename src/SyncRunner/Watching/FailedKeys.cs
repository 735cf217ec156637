namespace Ferry.SyncRunner.Watching;

/// <summary>
/// Keys whose copy, check or delete failed, retried with exponential back-off on later batches (sersync's failure
/// queue, with a limit on how fast it retries): the first retry after <see cref="BaseDelay"/>, each next one after
/// twice as long, at most <see cref="MaxDelay"/>. Not thread-safe: the watch loop alone uses it.
/// </summary>
/// <param name="baseDelay">The first back-off.</param>
/// <param name="maxDelay">The longest back-off.</param>
internal sealed class FailedKeys(TimeSpan baseDelay, TimeSpan maxDelay)
{
    private readonly Dictionary<string, Failure> _failures = new(StringComparer.Ordinal);

    /// <summary>The first back-off.</summary>
    public TimeSpan BaseDelay { get; } = baseDelay;

    /// <summary>The longest back-off.</summary>
    public TimeSpan MaxDelay { get; } = maxDelay;

    /// <summary>How many keys are failing.</summary>
    public int Count => _failures.Count;

    /// <summary>Failed attempts so far, over all keys, since the start.</summary>
    public long Attempts { get; private set; }

    /// <summary>When the earliest retry is due, or <see langword="null"/>.</summary>
    public DateTimeOffset? NextDue => _failures.Count == 0 ? null : _failures.Values.Min(f => f.NextTry);

    /// <summary>When the oldest failing change was first seen, or <see langword="null"/>.</summary>
    public DateTimeOffset? Oldest => _failures.Count == 0 ? null : _failures.Values.Min(f => f.Change.FirstSeen);

    /// <summary>The failing keys with their attempts and last error, sorted by key.</summary>
    public IEnumerable<(string Key, int Attempts, string Error)> List() =>
        _failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, f.Value.Attempts, f.Value.Error));

    /// <summary>The back-off after <paramref name="attempts"/> failed attempts.</summary>
    /// <param name="attempts">At least 1.</param>
    /// <returns><see cref="BaseDelay"/> · 2^(attempts − 1), at most <see cref="MaxDelay"/>.</returns>
    public TimeSpan Backoff(int attempts)
    {
        double factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(BaseDelay.Ticks * factor, MaxDelay.Ticks));
        return delay < BaseDelay ? BaseDelay : delay;
    }

    /// <summary>Records a failed attempt of <paramref name="change"/>.</summary>
    /// <param name="change">The change that failed (its path is the key, without a trailing <c>/</c>).</param>
    /// <param name="error">Why (no secrets).</param>
    /// <param name="now">When.</param>
    public void Fail(PendingChange change, string error, DateTimeOffset now)
    {
        int attempts = _failures.TryGetValue(change.Path, out Failure? previous) ? previous.Attempts + 1 : 1;
        PendingChange kept = previous is null ? change : previous.Change with { Deep = previous.Change.Deep || change.Deep };
        _failures[change.Path] = new Failure(kept, attempts, now, now + Backoff(attempts), error);
        Attempts++;
    }

    /// <summary>Forgets <paramref name="path"/>: its change was applied.</summary>
    /// <param name="path">The key.</param>
    /// <returns>Whether it was failing.</returns>
    public bool Succeeded(string path) => _failures.Remove(path);

    /// <summary>Whether <paramref name="path"/> is failing.</summary>
    /// <param name="path">The key.</param>
    /// <returns><see langword="true"/> when it waits for a retry.</returns>
    public bool Contains(string path) => _failures.ContainsKey(path);

    /// <summary>The changes whose retry is due, up to <paramref name="max"/>, earliest first; they stay failing until
    /// <see cref="Succeeded"/> or the next <see cref="Fail"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="max">The most to return.</param>
    /// <returns>The changes.</returns>
    public List<PendingChange> Due(DateTimeOffset now, int max) =>
        [.. _failures.Values.Where(f => f.NextTry <= now).OrderBy(f => f.NextTry).Take(Math.Max(0, max)).Select(f => f.Change)];

    /// <summary>Forgets every key whose last failure came before <paramref name="start"/> and that is not in
    /// <paramref name="stillFailing"/>: a full sync that started then has succeeded for them.</summary>
    /// <param name="start">The full sync's start.</param>
    /// <param name="stillFailing">The keys the full sync itself failed.</param>
    public void CoveredBy(DateTimeOffset start, IReadOnlySet<string> stillFailing)
    {
        foreach (string key in _failures.Where(f => f.Value.FailedAt < start && !stillFailing.Contains(f.Key)).Select(f => f.Key).ToList())
        {
            _failures.Remove(key);
        }
    }

    private sealed record Failure(PendingChange Change, int Attempts, DateTimeOffset FailedAt, DateTimeOffset NextTry, string Error);
}
