using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;
using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Tests.Watching;

public class ChangedKeysStorageTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ListAsync_YieldsOnlyTheSelectedKeysAndDeepSubtrees_InOrder()
    {
        using var dir = new TempDirectory();
        foreach (string f in new[] { "a/x-1", "a/x/in", "a/x/sub/deeper", "a/y", "b", "c/z", "unrelated" })
        {
            dir.Write(f, f);
        }

        var view = new ChangedKeysStorage(new FileStorage(dir.Path), ChangeSelection.From(
        [
            new PendingChange("a/x", true, T0, T0),
            new PendingChange("a/x-1", false, T0, T0),
            new PendingChange("b", false, T0, T0),
            new PendingChange("c", false, T0, T0),
            new PendingChange("missing", true, T0, T0),
        ]));

        List<string> keys = [];
        await foreach (ObjectEntry e in view.ListAsync(new ListOptions()))
        {
            keys.Add(e.Key);
        }

        Assert.Equal(["a/x-1", "a/x/", "a/x/in", "a/x/sub/", "a/x/sub/deeper", "b", "c/"], keys);
    }

    [Fact]
    public async Task ListAsync_HonoursTheRangeOfTheTask()
    {
        using var dir = new TempDirectory();
        foreach (string f in new[] { "d/1", "d/2", "d/3", "e" })
        {
            dir.Write(f, f);
        }

        var view = new ChangedKeysStorage(new FileStorage(dir.Path), ChangeSelection.From([new PendingChange("d", true, T0, T0), new PendingChange("e", false, T0, T0)]));
        List<string> keys = [];
        await foreach (ObjectEntry e in view.ListAsync(new ListOptions { Start = "d/2", End = "e" }))
        {
            keys.Add(e.Key);
        }

        Assert.Equal(["d/2", "d/3"], keys);
    }

    /// <summary>A batch through views of its changed keys does exactly what a full run restricted to those keys
    /// (<c>--files-from</c> with <c>P</c> and <c>P/</c>) does: same destination, same counters (but <c>excluded</c>, which
    /// a full run also counts for filtered keys outside the list).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Batch_ThroughViews_EqualsAFullRunOfTheSameKeys(int seed)
    {
        var random = new Random(seed);
        string[] names = ["a", "b", "a.b", "a-", "a0", "é", "x.txt"];
        string RandomPath() => string.Join('/', Enumerable.Range(0, random.Next(1, 4)).Select(_ => names[random.Next(names.Length)]));
        using var src = new TempDirectory();
        using var viaView = new TempDirectory();
        using var viaFull = new TempDirectory();
        DateTime old = DateTime.UtcNow.AddHours(-2);
        for (int i = 0; i < 40; i++)
        {
            TryWrite(src, RandomPath(), new string('s', random.Next(0, 5)), random.Next(2) == 0 ? old : null);
            string d = RandomPath();
            string content = new('d', random.Next(0, 5));
            TryWrite(viaView, d, content, old);
            TryWrite(viaFull, d, content, old);
        }

        var changes = Enumerable.Range(0, 12).Select(_ => new PendingChange(RandomPath(), true, T0, T0)).ToList();
        var options = new SyncOptions { DeleteDst = true, Dirs = random.Next(2) == 0, Update = random.Next(2) == 0, Filters = random.Next(3) == 0 ? [new(Ferry.SyncRunner.Filtering.FilterAction.Exclude, "a.b")] : [] };

        var selection = ChangeSelection.From(changes);
        SyncResult view = await new SyncEngine(new ChangedKeysStorage(new FileStorage(src.Path), selection), new ChangedKeysStorage(new FileStorage(viaView.Path), selection), options)
            .RunAsync(new InProcessWorkQueue());
        SyncResult full = await new SyncEngine(new FileStorage(src.Path), new FileStorage(viaFull.Path), options with { FilesFrom = [.. changes.SelectMany(c => new[] { c.Path, c.Path + "/" })] })
            .RunAsync(new InProcessWorkQueue());

        Assert.Equal(TreeSnapshot.Take(viaFull.Path), TreeSnapshot.Take(viaView.Path));
        Assert.Equal(full.Outcome, view.Outcome);
        Assert.Equal((full.Counters.Copied, full.Counters.CopiedBytes, full.Counters.Deleted, full.Counters.Skipped, full.Counters.Failed),
            (view.Counters.Copied, view.Counters.CopiedBytes, view.Counters.Deleted, view.Counters.Skipped, view.Counters.Failed));
    }

    [Fact]
    public void CanCopyFrom_AnotherView_AsksTheInnerStores()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var selection = ChangeSelection.From([new PendingChange("k", false, T0, T0)]);
        var source = new ChangedKeysStorage(new FileStorage(a.Path), selection);
        var destination = new ChangedKeysStorage(new FileStorage(b.Path), selection);

        Assert.Equal(new FileStorage(b.Path).CanCopyFrom(new FileStorage(a.Path)), destination.CanCopyFrom(source));
        Assert.False(new ChangedKeysStorage(new MemoryStorage(), selection).CanCopyFrom(source));
    }

    private static void TryWrite(TempDirectory dir, string path, string content, DateTime? mtime)
    {
        try
        {
            dir.Write(path, content, mtime);
        }
        catch (IOException)
        {
            // A file and a directory of the same name: keep the first.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
