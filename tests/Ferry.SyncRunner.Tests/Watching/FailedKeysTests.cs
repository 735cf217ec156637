using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Tests.Watching;

public class FailedKeysTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 30)]
    [InlineData(3, 60)]
    [InlineData(5, 240)]
    [InlineData(6, 300)]
    [InlineData(40, 300)]
    public void Backoff_DoublesFromTheBaseUpToTheMaximum(int attempts, int seconds)
    {
        var failed = new FailedKeys(TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(5));

        Assert.Equal(TimeSpan.FromSeconds(seconds), failed.Backoff(attempts));
    }

    [Fact]
    public void Fail_SchedulesTheRetryAfterTheBackoffAndCountsAttempts()
    {
        var failed = new FailedKeys(TimeSpan.FromSeconds(15), TimeSpan.FromMinutes(5));
        var change = new PendingChange("k", false, T0, T0);
        failed.Fail(change, "boom", T0.AddSeconds(1));

        Assert.Equal(T0.AddSeconds(16), failed.NextDue);
        Assert.Empty(failed.Due(T0.AddSeconds(15), 10));
        Assert.Equal([change], failed.Due(T0.AddSeconds(16), 10));
        failed.Fail(change, "boom again", T0.AddSeconds(16));
        Assert.Equal(T0.AddSeconds(46), failed.NextDue);
        Assert.Equal(("k", 2, "boom again"), failed.List().Single());
        Assert.Equal(2, failed.Attempts);
        Assert.Equal(T0, failed.Oldest);

        Assert.True(failed.Succeeded("k"));
        Assert.Equal(0, failed.Count);
        Assert.Null(failed.NextDue);
    }

    [Fact]
    public void CoveredBy_ForgetsKeysThatFailedBeforeAFullSyncUnlessItFailedThemToo()
    {
        var failed = new FailedKeys(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        failed.Fail(new PendingChange("before", false, T0, T0), "x", T0);
        failed.Fail(new PendingChange("again", false, T0, T0), "x", T0);
        failed.Fail(new PendingChange("after", false, T0, T0), "x", T0.AddSeconds(20));

        failed.CoveredBy(T0.AddSeconds(10), new HashSet<string> { "again" });

        Assert.Equal(["after", "again"], failed.List().Select(f => f.Key));
    }
}
