using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Queue;

public class RangeScannerTests
{
    private static TempDirectory Tree()
    {
        var dir = new TempDirectory();
        foreach (string key in new[] { "!top", "a-b", "a/f", "a/x/1", "a/x/2", "a/y/1", "a/z", "a0", "b/c/d/e", "b/f", "c", "é/1" })
        {
            dir.Write(key, "x");
        }

        return dir;
    }

    private static async Task<string[]> CutsAsync(string root, int depth, KeyRange range, InProcessWorkQueue? queue = null)
    {
        queue ??= new InProcessWorkQueue();
        await new RangeScanner(new FileStorage(root), queue, range, links: false, taskObjects: 1, taskBytes: long.MaxValue, listDepth: depth).RunAsync(CancellationToken.None);
        IReadOnlyList<RangeTask> tasks = queue.Snapshot();

        // The ranges tile the run's range exactly: each starts where the previous ended.
        Assert.Equal(range.Start, tasks[0].Range.Start);
        Assert.Equal(range.End, tasks[^1].Range.End);
        for (int i = 1; i < tasks.Count; i++)
        {
            Assert.Equal(tasks[i - 1].Range.End, tasks[i].Range.Start);
            Assert.True(KeyComparer.Utf8.Compare(tasks[i].Range.Start, tasks[i].Range.End ?? "\U0010FFFF") < 0, tasks[i].Range.ToString());
        }

        return tasks.Skip(1).Select(t => t.Range.Start).ToArray();
    }

    [Fact]
    public async Task RunAsync_Depth1_CutsAtTopLevelDirectories()
    {
        using TempDirectory src = Tree();

        string[] cuts = await CutsAsync(src.Path, 1, new KeyRange("", null));

        Assert.Equal(new[] { "a/", "b/", "é/" }, cuts);
    }

    [Fact]
    public async Task RunAsync_Depth2_AlsoCutsAtSubDirectories()
    {
        using TempDirectory src = Tree();

        string[] cuts = await CutsAsync(src.Path, 2, new KeyRange("", null));

        Assert.Equal(new[] { "a/", "a/x/", "a/y/", "b/", "b/c/", "é/" }, cuts);
    }

    [Fact]
    public async Task RunAsync_Depth3_DescendsThreeLevels()
    {
        using TempDirectory src = Tree();

        string[] cuts = await CutsAsync(src.Path, 3, new KeyRange("", null));

        Assert.Equal(new[] { "a/", "a/x/", "a/y/", "b/", "b/c/", "b/c/d/", "é/" }, cuts);
    }

    [Fact]
    public async Task RunAsync_StartAndEnd_CutsOnlyInsideTheRange()
    {
        using TempDirectory src = Tree();

        string[] cuts = await CutsAsync(src.Path, 2, new KeyRange("a/x/2", "b/c/"));

        Assert.Equal(new[] { "a/y/", "b/" }, cuts);
    }

    [Fact]
    public async Task RunAsync_ResumesFromScanCursor_WithoutRepublishing()
    {
        using TempDirectory src = Tree();
        var queue = new InProcessWorkQueue();
        await queue.PublishAsync(new KeyRange("", "a/"));
        await queue.PublishAsync(new KeyRange("a/", "a/y/"));

        string[] cuts = await CutsAsync(src.Path, 2, new KeyRange("", null), queue);

        Assert.Equal(new[] { "a/", "a/y/", "b/", "b/c/", "é/" }, cuts);
    }

    [Fact]
    public async Task RunAsync_Depth0_CutsByCount()
    {
        using TempDirectory src = Tree();

        string[] cuts = await CutsAsync(src.Path, 0, new KeyRange("", null));

        // taskObjects 1: a cut before every listed key after the first (directories included).
        Assert.Contains("a-b", cuts);
        Assert.Contains("a/x/1", cuts);
        Assert.True(cuts.Length >= 12);
    }
}
