using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Tests.Watching;

public class PendingChangesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_SamePathTwice_KeepsOneEntryWithFirstSeenAndDeepOnceSet()
    {
        var pending = new PendingChanges(10);
        pending.Add("a", deep: false, T0);
        pending.Add("b", deep: false, T0.AddSeconds(1));
        pending.Add("a", deep: true, T0.AddSeconds(2));

        Assert.Equal(2, pending.Count);
        Assert.Equal(T0, pending.Oldest);
        List<PendingChange> taken = pending.Take(10);
        Assert.Equal([new PendingChange("a", true, T0, T0.AddSeconds(2)), new PendingChange("b", false, T0.AddSeconds(1), T0.AddSeconds(1))], taken);
        Assert.Equal(0, pending.Count);
        Assert.Null(pending.Oldest);
    }

    [Fact]
    public void Take_TakesOldestFirstUpToMax()
    {
        var pending = new PendingChanges(10);
        for (int i = 0; i < 5; i++)
        {
            pending.Add($"k{i}", false, T0.AddSeconds(i));
        }

        Assert.Equal(["k0", "k1"], pending.Take(2).Select(c => c.Path));
        Assert.Equal(T0.AddSeconds(2), pending.Oldest);
        Assert.Equal(3, pending.Count);
    }

    [Fact]
    public void Add_BeyondMaxPending_DropsEverythingAndIgnoresChangesUntilAFullSyncStarts()
    {
        var pending = new PendingChanges(3);
        int notified = 0;
        pending.Changed = () => notified++;
        Assert.True(pending.Add("a", false, T0));
        pending.Add("b", false, T0);
        pending.Add("c", false, T0);

        Assert.False(pending.Add("d", false, T0));
        Assert.Equal(0, pending.Count);
        Assert.True(pending.Dropping);
        Assert.Equal(1, pending.Overflows);
        pending.Add("e", false, T0.AddSeconds(1));
        Assert.Equal(0, pending.Count);
        Assert.Equal(2, notified);

        pending.FullSyncStarted(T0.AddSeconds(2));
        pending.Add("f", false, T0.AddSeconds(3));
        Assert.False(pending.Dropping);
        Assert.Equal(["f"], pending.Take(10).Select(c => c.Path));
    }

    [Fact]
    public void Add_NotifiesWhenTheSetStopsBeingEmptyAndWhenItReachesABatch()
    {
        var pending = new PendingChanges(100);
        var counts = new List<int>();
        pending.Changed = () => counts.Add(pending.Count);
        for (int i = 0; i < 7; i++)
        {
            pending.Add($"k{i}", false, T0, notifyAt: 5);
        }

        Assert.Equal([1, 5], counts);
    }

    [Fact]
    public void DropSeenBefore_DropsOnlyChangesWhoseLatestEventCameBeforeTheFullSyncStarted()
    {
        var pending = new PendingChanges(10);
        pending.Add("old", false, T0);
        pending.Add("renewed", false, T0);
        pending.Add("renewed", false, T0.AddSeconds(10));
        pending.Add("new", false, T0.AddSeconds(10));

        Assert.Equal(1, pending.DropSeenBefore(T0.AddSeconds(5)));
        Assert.Equal(["renewed", "new"], pending.Take(10).Select(c => c.Path));
    }

    [Fact]
    public void Restore_PutsTakenChangesBackInFrontWithTheirFirstSeenTime()
    {
        var pending = new PendingChanges(10);
        pending.Add("a", false, T0);
        List<PendingChange> taken = pending.Take(1);
        pending.Add("b", false, T0.AddSeconds(1));
        pending.Restore(taken);

        Assert.Equal(T0, pending.Oldest);
        Assert.Equal(["a", "b"], pending.Take(10).Select(c => c.Path));
    }
}
