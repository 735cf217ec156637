namespace Ferry.Operator.Tests.Support;

/// <summary>The system clock plus an offset the test moves forward: time still passes, and a test can jump ahead
/// (deadlines, TTLs, lease expiry) without sleeping. Wall time and timestamps both carry the offset, so what is
/// measured with timestamps (lease expiry by observation) sees the jump too; timers are the system's.</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        long timestamp = TimeProvider.System.GetTimestamp();
        long frequency = TimeProvider.System.TimestampFrequency;
        return (timestamp / frequency * TimeSpan.TicksPerSecond) + (timestamp % frequency * TimeSpan.TicksPerSecond / frequency) + Interlocked.Read(ref _offsetTicks);
    }

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _offsetTicks, delta.Ticks);
}
