using Ferry.Operator.SyncJobs;
using Ferry.Operator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Operator.Tests.SyncJobs;

public sealed class StatusWriteLimiterTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryAcquire_WithinInterval_RefusedWithRemainingWait()
    {
        var limiter = new StatusWriteLimiter(TimeSpan.FromSeconds(2), _clock);

        Assert.True(limiter.TryAcquire("ns/a", out _));
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.False(limiter.TryAcquire("ns/a", out TimeSpan wait));
        Assert.Equal(TimeSpan.FromSeconds(1.5), wait);
        Assert.True(limiter.TryAcquire("ns/b", out _));
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(limiter.TryAcquire("ns/a", out _));
    }

    [Fact]
    public void Record_TerminalWrite_StartsTheIntervalAndForgetEndsIt()
    {
        var limiter = new StatusWriteLimiter(TimeSpan.FromSeconds(2), _clock);

        limiter.Record("ns/a");
        Assert.False(limiter.TryAcquire("ns/a", out _));
        limiter.Forget("ns/a");
        Assert.True(limiter.TryAcquire("ns/a", out _));
    }
}
