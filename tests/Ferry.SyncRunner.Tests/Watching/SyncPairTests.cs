using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;
using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Tests.Watching;

public class SyncPairTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    private static ChangeSelection Deleted(params string[] keys) => ChangeSelection.From(keys.Select(k => new PendingChange(k, true, T0, T0)));

    [Fact]
    public async Task MaxDeletePercentage_BoundsTheDeletesOfAllBatchesBetweenTwoFullSyncs()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        for (int i = 0; i < 10; i++)
        {
            src.Write($"k{i}", "v");
        }

        var pair = new SyncPair("dst", new FileStorage(src.Path), new FileStorage(dst.Path), new SyncOptions { DeleteDst = true, MaxDelete = "30%" }, new SyncEngineSettings());
        Assert.Equal("30%", pair.BatchMaxDelete());
        Assert.Equal(SyncOutcome.Succeeded, (await pair.FullSyncAsync(CancellationToken.None)).Result.Outcome);
        Assert.Equal(10, pair.DestinationKeys);
        Assert.Equal("3", pair.BatchMaxDelete());

        File.Delete(src.Combine("k0"));
        File.Delete(src.Combine("k1"));
        TargetResult first = await pair.ApplyAsync(Deleted("k0", "k1"), CancellationToken.None);
        Assert.Equal((SyncOutcome.Succeeded, 2L), (first.Result.Outcome, first.Result.Counters.Deleted));
        Assert.Equal("1", pair.BatchMaxDelete());

        File.Delete(src.Combine("k2"));
        File.Delete(src.Combine("k3"));
        TargetResult second = await pair.ApplyAsync(Deleted("k2", "k3"), CancellationToken.None);
        Assert.Equal(SyncOutcome.Failed, second.Result.Outcome);
        Assert.False(second.KeysKnown);
        Assert.Contains("max-delete", second.Result.Reason, StringComparison.Ordinal);
        Assert.True(File.Exists(dst.Combine("k2")) && File.Exists(dst.Combine("k3")));

        // A full sync judges the destination as a whole again (2 of 8 is within 30%), and resets the count.
        Assert.Equal(SyncOutcome.Succeeded, (await pair.FullSyncAsync(CancellationToken.None)).Result.Outcome);
        Assert.False(File.Exists(dst.Combine("k2")));
        Assert.Equal(0, pair.DeletedSinceFullSync);
        Assert.Equal("1", pair.BatchMaxDelete());
    }

    [Fact]
    public async Task MaxDeleteCount_IsSharedByTheBatchesSinceTheLastFullSync()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        for (int i = 0; i < 4; i++)
        {
            src.Write($"k{i}", "v");
        }

        var pair = new SyncPair("dst", new FileStorage(src.Path), new FileStorage(dst.Path), new SyncOptions { DeleteDst = true, MaxDelete = "1" }, new SyncEngineSettings());
        await pair.FullSyncAsync(CancellationToken.None);
        File.Delete(src.Combine("k0"));
        Assert.Equal(SyncOutcome.Succeeded, (await pair.ApplyAsync(Deleted("k0"), CancellationToken.None)).Result.Outcome);
        File.Delete(src.Combine("k1"));

        Assert.Equal("0", pair.BatchMaxDelete());
        Assert.Equal(SyncOutcome.Failed, (await pair.ApplyAsync(Deleted("k1"), CancellationToken.None)).Result.Outcome);
        Assert.True(File.Exists(dst.Combine("k1")));
    }
}
