using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Time;

namespace Ferry.SyncRunner.Tests.Planning;

public class SyncPlannerTests
{
    private static readonly DateTimeOffset T = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async IAsyncEnumerable<ObjectEntry> Listing(params string[] keys)
    {
        foreach (string k in keys)
        {
            yield return new ObjectEntry(k, k.Length, T) { Kind = k.EndsWith('/') ? EntryKind.Directory : EntryKind.File };
        }

        await Task.CompletedTask;
    }

    private static async Task<List<string>> PlanAsync(SyncOptions options, string[] src, string[] dst)
    {
        var planner = new SyncPlanner(options, new KeySelection(options, KeyFilters.Create(options.Filters, options.MatchFullPath), new TimerCountingFakeTimeProvider()));
        var result = new List<string>();
        await foreach (PlannedAction a in planner.PlanAsync(Listing(src), Listing(dst), CancellationToken.None))
        {
            result.Add($"{a.Kind} {a.Key}");
        }

        return result;
    }

    [Fact]
    public async Task PlanAsync_MergeJoin_OneActionPerKeyInOrder()
    {
        List<string> plan = await PlanAsync(
            new SyncOptions { DeleteDst = true },
            ["a", "b/", "b/x", "c"],
            ["a", "aa", "b/", "b/x", "b/y", "d"]);

        Assert.Equal(new[] { "Skip a", "DeleteDst aa", "Skip b/x", "DeleteDst b/y", "Copy c", "DeleteDst d" }, plan);
    }

    [Fact]
    public async Task PlanAsync_ExcludedSubtree_IsPrunedOnBothSides()
    {
        List<string> plan = await PlanAsync(
            new SyncOptions { DeleteDst = true, Dirs = true, Filters = [FilterRule.Exclude("tmp/")] },
            ["keep", "tmp/", "tmp/a", "tmp/b/", "tmp/b/c"],
            ["tmp/", "tmp/old", "zzz"]);

        Assert.Equal(new[] { "Copy keep", "Exclude tmp/", "Exclude tmp/a", "Exclude tmp/b/", "Exclude tmp/b/c", "DeleteDst zzz" }, plan);
    }

    [Fact]
    public async Task PlanAsync_WithoutDirs_DirectoriesAreNeitherCopiedNorDeleted()
    {
        List<string> plan = await PlanAsync(
            new SyncOptions { DeleteDst = true },
            ["e/"],
            ["f/", "f/x"]);

        Assert.Equal(new[] { "DeleteDst f/x" }, plan);
    }
}
