using Microsoft.Extensions.Time.Testing;

namespace Ferry.Testing.Time;

/// <summary>The fake clock of Microsoft.Extensions.TimeProvider.Testing, which also counts its armed timers, so that a
/// test can wait until the code under test has started waiting (a back-off, a renewal, a resync) before it calls
/// <see cref="FakeTimeProvider.Advance"/> — advancing earlier would pass the due time before the timer exists.</summary>
/// <remarks>Time, timers and their order are the package's; this type only wraps each timer to know whether it is
/// armed. It starts at 2026-01-01T00:00:00Z unless given a start.</remarks>
public sealed class TimerCountingFakeTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly HashSet<CountedTimer> _armed = [];

    /// <summary>Starts the clock at 2026-01-01T00:00:00Z.</summary>
    public TimerCountingFakeTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Starts the clock at <paramref name="start"/>.</summary>
    /// <param name="start">The first value of <see cref="FakeTimeProvider.GetUtcNow"/>.</param>
    public TimerCountingFakeTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>How many timers are armed: created or changed with a finite due time, and neither fired (one-shot),
    /// changed to infinite nor disposed since.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var counted = new CountedTimer(this, callback, state);
        counted.Track(dueTime, period);
        counted.Inner = base.CreateTimer(static s => ((CountedTimer)s!).Fire(), counted, dueTime, period);
        return counted;
    }

    private void SetArmed(CountedTimer timer, bool armed)
    {
        lock (_gate)
        {
            if (armed)
            {
                _armed.Add(timer);
            }
            else
            {
                _armed.Remove(timer);
            }
        }
    }

    private sealed class CountedTimer(TimerCountingFakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period;

        public ITimer? Inner { get; set; }

        public void Track(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            owner.SetArmed(this, dueTime != Timeout.InfiniteTimeSpan);
        }

        public void Fire()
        {
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                owner.SetArmed(this, false);
            }

            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Track(dueTime, period);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            owner.SetArmed(this, false);
            Inner?.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            owner.SetArmed(this, false);
            if (Inner is not null)
            {
                await Inner.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
