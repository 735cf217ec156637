using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Planning;

/// <summary>
/// Which keys a run looks at: include/exclude rules, <c>--files-from</c>, and for source objects size, age,
/// modification time and <c>--limit</c>. Shared by all range tasks of a process.
/// </summary>
internal sealed class KeySelection
{
    private readonly SyncOptions _options;
    private readonly IKeyFilter _filter;
    private readonly HashSet<string>? _filesFrom;
    private readonly DateTimeOffset _now;
    private long _remaining;

    public KeySelection(SyncOptions options, IKeyFilter filter, TimeProvider time)
    {
        _options = options;
        _filter = filter;
        _now = time.GetUtcNow();
        _remaining = options.Limit;
        if (options.FilesFrom is { } list)
        {
            _filesFrom = new HashSet<string>(list.Select(l => l.Trim().TrimStart('/')).Where(l => l.Length > 0), StringComparer.Ordinal);
        }
    }

    /// <summary>The key the rules see: keys of a prefix view may start with <c>/</c>, which rules do not.</summary>
    public static string RuleKey(string key) => key.TrimStart('/');

    /// <summary>Whether the rules let <paramref name="key"/> through (the root of a prefix view always passes).</summary>
    public bool PassesRules(string key)
    {
        string k = RuleKey(key);
        return k.Length == 0 || _filter.IsEmpty || _filter.Includes(k);
    }

    /// <summary>Whether every key below the directory <paramref name="key"/> is excluded by the rules.</summary>
    public bool PrunesSubtree(string key)
    {
        string k = RuleKey(key);
        return k.Length > 0 && !_filter.IsEmpty && _filter.ExcludesSubtree(k);
    }

    /// <summary>Whether <c>--files-from</c> selects <paramref name="key"/> (always, without the option).</summary>
    public bool InFilesFrom(string key)
    {
        if (_filesFrom is null)
        {
            return true;
        }

        string k = RuleKey(key);
        if (_filesFrom.Contains(k))
        {
            return true;
        }

        for (int i = k.IndexOf('/'); i >= 0 && i < k.Length - 1; i = k.IndexOf('/', i + 1))
        {
            if (_filesFrom.Contains(k[..(i + 1)]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a source object passes the size, age and time limits (directories always do).</summary>
    public bool PassesAttributes(ObjectEntry entry)
    {
        if (entry.Kind == EntryKind.Directory)
        {
            return true;
        }

        if (_options.MinSize is { } min && entry.Size < min)
        {
            return false;
        }

        if (_options.MaxSize is { } max && entry.Size > max)
        {
            return false;
        }

        // Age and time filters use the listed time, approximate or not (for S3 the upload time LastModified, not the
        // mtime kept in metadata): a HEAD per key would make every filtered listing as slow as the old eager one,
        // and juicefs sync filters S3 keys on LastModified too.
        TimeSpan age = _now - entry.ModifiedTime;
        if (_options.MinAge is { } minAge && age < minAge)
        {
            return false;
        }

        if (_options.MaxAge is { } maxAge && age > maxAge)
        {
            return false;
        }

        if (_options.StartTime is { } startTime && entry.ModifiedTime < startTime)
        {
            return false;
        }

        return _options.EndTime is not { } endTime || entry.ModifiedTime <= endTime;
    }

    /// <summary>Takes one slot of <c>--limit</c>; <see langword="false"/> once the limit is used up.</summary>
    public bool TryTakeLimit()
    {
        if (_options.Limit < 0)
        {
            return true;
        }

        return Interlocked.Decrement(ref _remaining) >= 0;
    }

    /// <summary>The half-open key range of <c>--start</c>/<c>--end</c> (juicefs's end key is inclusive).</summary>
    public static KeyRange RangeOf(SyncOptions options) =>
        new(options.Start ?? "", string.IsNullOrEmpty(options.End) ? null : options.End + "\0");
}
