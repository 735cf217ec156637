namespace Ferry.SyncRunner.Execution;

/// <summary>A token bucket shared by every copy thread of a process (<c>--bwlimit</c>).</summary>
/// <remarks>The bucket holds at most one second of tokens; a read that overdraws it waits until the debt is paid.</remarks>
internal sealed class BandwidthLimiter
{
    private readonly object _lock = new();
    private readonly double _bytesPerSecond;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    /// <summary>Creates the limiter.</summary>
    /// <param name="megabitsPerSecond">The limit in Mbit/s (10^6 bits per second); must be positive.</param>
    /// <param name="time">The clock.</param>
    public BandwidthLimiter(double megabitsPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(megabitsPerSecond);
        _bytesPerSecond = megabitsPerSecond * 1_000_000 / 8;
        _time = time;
        _tokens = _bytesPerSecond;
        _last = time.GetTimestamp();
    }

    /// <summary>The limit in bytes per second.</summary>
    public double BytesPerSecond => _bytesPerSecond;

    /// <summary>Takes <paramref name="bytes"/> tokens, waiting when the bucket is overdrawn.</summary>
    public ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            _tokens = Math.Min(_bytesPerSecond, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _bytesPerSecond));
            _last = now;
            _tokens -= bytes;
            if (_tokens >= 0)
            {
                return ValueTask.CompletedTask;
            }

            wait = TimeSpan.FromSeconds(-_tokens / _bytesPerSecond);
        }

        return new ValueTask(Task.Delay(wait, _time, cancellationToken));
    }
}
