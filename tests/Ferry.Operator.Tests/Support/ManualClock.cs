namespace Ferry.Operator.Tests.Support;

/// <summary>A clock that stands still until the test advances it (only <see cref="GetUtcNow"/>; timers are the system's).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _ticks, delta.Ticks);
}
