using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Time;

namespace Ferry.SyncRunner.Tests.Execution;

public class BandwidthLimiterTests
{
    [Fact]
    public void TakeAsync_WithinOneSecondBurst_DoesNotWait()
    {
        var time = new TimerCountingFakeTimeProvider();
        var limiter = new BandwidthLimiter(8, time); // 8 Mbit/s = 1,000,000 bytes/s

        Assert.True(limiter.TakeAsync(600_000, CancellationToken.None).IsCompleted);
        Assert.True(limiter.TakeAsync(400_000, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task TakeAsync_Overdrawn_WaitsForTheDebtAtTheRate()
    {
        var time = new TimerCountingFakeTimeProvider();
        var limiter = new BandwidthLimiter(8, time);
        await limiter.TakeAsync(1_000_000, CancellationToken.None);

        ValueTask wait = limiter.TakeAsync(500_000, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait;

        ValueTask shared = limiter.TakeAsync(100_000, CancellationToken.None);
        Assert.False(shared.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await shared;
    }

    [Fact]
    public async Task TakeAsync_RefillsOverTime_CappedAtOneSecond()
    {
        var time = new TimerCountingFakeTimeProvider();
        var limiter = new BandwidthLimiter(8, time);
        await limiter.TakeAsync(1_000_000, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(limiter.TakeAsync(1_000_000, CancellationToken.None).IsCompleted);
        Assert.False(limiter.TakeAsync(10_000, CancellationToken.None).IsCompleted);
    }
}
