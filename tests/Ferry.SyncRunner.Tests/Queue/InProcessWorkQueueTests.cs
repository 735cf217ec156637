using Ferry.Api.Runs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Queue;

namespace Ferry.SyncRunner.Tests.Queue;

public class InProcessWorkQueueTests
{
    [Fact]
    public async Task ClaimAsync_ScanDoneAndNoTasks_ReturnsNull()
    {
        var q = new InProcessWorkQueue();
        await q.CompleteScanAsync();

        Assert.Null(await q.ClaimAsync(RangeTaskPhase.Copy, "w"));
    }

    [Fact]
    public async Task ClaimAsync_WaitsForPublish_ThenReturnsTask()
    {
        var q = new InProcessWorkQueue();
        Task<RangeTaskLease?> claim = q.ClaimAsync(RangeTaskPhase.Copy, "w");
        Assert.False(claim.IsCompleted);

        await q.PublishAsync(new KeyRange("", "m"));
        RangeTaskLease? lease = await claim;

        Assert.NotNull(lease);
        Assert.Equal(new KeyRange("", "m"), lease.Task.Range);
        Assert.Equal("m", await q.GetScanCursorAsync());
    }

    [Fact]
    public async Task FailAsync_RetriesThenFails_AndResumesFromCheckpoint()
    {
        var q = new InProcessWorkQueue(maxAttempts: 2);
        await q.PublishAsync(KeyRange.All);
        await q.CompleteScanAsync();
        var counters = new TaskCounters { Scanned = 1, ScannedBytes = 10 };

        RangeTaskLease first = (await q.ClaimAsync(RangeTaskPhase.Copy, "w1"))!;
        await q.CheckpointAsync(first, "k5", counters);
        Assert.False(await q.FailAsync(first, "boom"));
        RangeTaskLease second = (await q.ClaimAsync(RangeTaskPhase.Copy, "w2"))!;

        Assert.Equal("k5", second.Task.LastKey);
        Assert.Equal(1, second.Task.Counters.Scanned);
        Assert.True(await q.FailAsync(second, "boom again"));
        Assert.Null(await q.ClaimAsync(RangeTaskPhase.Copy, "w3"));
        Assert.Equal(1, (await q.GetStatusAsync(RangeTaskPhase.Copy)).Failed);
    }

    [Fact]
    public async Task CheckpointAsync_LostLease_Throws()
    {
        var q = new InProcessWorkQueue();
        await q.PublishAsync(KeyRange.All);
        RangeTaskLease lease = (await q.ClaimAsync(RangeTaskPhase.Copy, "w"))!;
        await q.CompleteAsync(lease, new TaskCounters());

        await Assert.ThrowsAsync<InvalidOperationException>(() => q.CheckpointAsync(lease, "x", new TaskCounters()));
    }

    [Fact]
    public async Task PublishDeleteTasksAsync_BeforeCopiesDone_Throws_AfterwardsMirrorsRanges()
    {
        var q = new InProcessWorkQueue();
        await q.PublishAsync(new KeyRange("", "m"));
        await q.PublishAsync(new KeyRange("m", null));
        await q.CompleteScanAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => q.PublishDeleteTasksAsync());
        while (await q.ClaimAsync(RangeTaskPhase.Copy, "w") is { } lease)
        {
            await q.CompleteAsync(lease, new TaskCounters());
        }

        Assert.Equal(2, await q.PublishDeleteTasksAsync());
        Assert.Equal(
            new[] { new KeyRange("", "m"), new KeyRange("m", null) },
            q.Snapshot().Where(t => t.Phase == RangeTaskPhase.Delete).Select(t => t.Range));
    }
}
