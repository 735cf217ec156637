namespace Ferry.Operator.Tests.Support;

/// <summary>The system clock plus an offset the test moves forward: time still passes, and a test can jump ahead
/// (deadlines, TTLs, lease expiry) without sleeping. Timers and timestamps are the system's.</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _offsetTicks, delta.Ticks);
}
