using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Execution;

/// <summary>
/// <c>--delete-src</c> and <c>--delete-src-after</c> against juicefs sync's rules (command reference 1.3 and
/// pkg/sync): <c>--delete-src</c> deletes only the source keys the destination already holds equal, so a key copied in
/// a run goes on the next one; <c>--delete-src-after</c> (Ferry's: juicefs's <c>--delete-src --delete-src-after</c>)
/// also deletes each key right after its copy. Keys left out by the filters, and keys <c>--update</c> skips because the
/// source is older, are never deleted.
/// </summary>
public class DeleteSourceTests
{
    private static readonly DateTime T = new(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    /// <summary>The keys of the scenario; every one is in the source, some in the destination too.</summary>
    private static readonly string[] Keys = ["chk", "differs", "new", "newer", "older", "same", "skip.log"];

    public static TheoryData<string, string, string, string, int, int> Table => new()
    {
        // mode, options, source keys left after run 1, after run 2, deleted in run 1, in run 2
        { "deleteSrc", "", "differs new skip.log", "skip.log", 4, 2 },
        { "deleteSrc", "update", "new newer older skip.log", "older skip.log", 3, 2 },
        { "deleteSrc", "checkAll", "chk differs new newer older skip.log", "skip.log", 1, 5 },
        { "deleteSrcAfter", "", "skip.log", "skip.log", 6, 0 },
        { "deleteSrcAfter", "update", "older skip.log", "older skip.log", 5, 0 },
        { "deleteSrcAfter", "checkAll", "skip.log", "skip.log", 6, 0 },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task RunAsync_FirstAndSecondRun_DeleteWhatJuicefsDeletes(string mode, string flags, string leftAfterFirst, string leftAfterSecond, int deletedFirst, int deletedSecond)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("new", "n", T);
        src.Write("same", "same", T);
        dst.Write("same", "same", T);
        src.Write("differs", "differs", T);
        dst.Write("differs", "d", T);
        src.Write("older", "old1", T.AddSeconds(-100));
        dst.Write("older", "OLD2", T);
        src.Write("newer", "new1", T.AddSeconds(100));
        dst.Write("newer", "NEW2", T);
        src.Write("chk", "aaaa", T);
        dst.Write("chk", "bbbb", T);
        src.Write("skip.log", "log", T);
        var options = new SyncOptions
        {
            DeleteSrc = mode == "deleteSrc",
            DeleteSrcAfter = mode == "deleteSrcAfter",
            Update = flags == "update",
            CheckAll = flags == "checkAll",
            Filters = [new FilterRule(FilterAction.Exclude, "*.log")],
        };

        SyncResult first = await SyncAsync(src.Path, dst.Path, options);
        Assert.Equal(SyncOutcome.Succeeded, first.Outcome);
        Assert.Equal(leftAfterFirst, Left(src));
        Assert.Equal(deletedFirst, first.Counters.Deleted);

        SyncResult second = await SyncAsync(src.Path, dst.Path, options);
        Assert.Equal(SyncOutcome.Succeeded, second.Outcome);
        Assert.Equal(leftAfterSecond, Left(src));
        Assert.Equal(deletedSecond, second.Counters.Deleted);

        // Whatever was deleted from the source is in the destination (what the rules copied, with the source's bytes).
        Assert.Equal("n", File.ReadAllText(dst.Combine("new")));
        Assert.False(File.Exists(dst.Combine("skip.log")));
    }

    [Theory]
    [InlineData("deleteSrc", "d/ d/f", "")]
    [InlineData("deleteSrcAfter", "", "")]
    public async Task RunAsync_Dirs_DeletesDirectoryAfterItsContents(string mode, string leftAfterFirst, string leftAfterSecond)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("d/f", "f", T);
        var options = new SyncOptions { DeleteSrc = mode == "deleteSrc", DeleteSrcAfter = mode == "deleteSrcAfter", Dirs = true };

        Assert.Equal(SyncOutcome.Succeeded, (await SyncAsync(src.Path, dst.Path, options)).Outcome);
        Assert.Equal(leftAfterFirst, LeftWithDirectories(src));
        Assert.Equal(SyncOutcome.Succeeded, (await SyncAsync(src.Path, dst.Path, options)).Outcome);
        Assert.Equal(leftAfterSecond, LeftWithDirectories(src));
        Assert.Equal("f", File.ReadAllText(dst.Combine("d/f")));
        Assert.True(Directory.Exists(dst.Combine("d")));
    }

    [Theory]
    [InlineData("deleteSrc")]
    [InlineData("deleteSrcAfter")]
    public async Task RunAsync_FailedCopy_KeepsTheKeyAndItsDirectory(string mode)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("d/bad", "b", T);
        src.Write("d/good", "g", T);
        dst.Write("d/bad", "xx", T); // differs: copied, and the copy fails
        var options = new SyncOptions { DeleteSrc = mode == "deleteSrc", DeleteSrcAfter = mode == "deleteSrcAfter", Dirs = true };
        var destination = new HookedStorage(new FileStorage(dst.Path))
        {
            BeforePut = key => key == "d/bad" ? new StorageException(StorageErrorKind.AccessDenied, "refused") : null,
        };

        for (int run = 0; run < 2; run++)
        {
            SyncResult result = await new SyncEngine(new FileStorage(src.Path), destination, options).RunAsync(new InProcessWorkQueue());
            Assert.Equal(SyncOutcome.Failed, result.Outcome);
        }

        Assert.Equal("d/ d/bad", LeftWithDirectories(src));
        Assert.Equal("xx", File.ReadAllText(dst.Combine("d/bad")));
    }

    [Theory]
    [InlineData("deleteSrc")]
    [InlineData("deleteSrcAfter")]
    public async Task RunAsync_DryRun_DeletesNothing(string mode)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("same", "s", T);
        dst.Write("same", "s", T);
        src.Write("new", "n", T);
        var options = new SyncOptions { DeleteSrc = mode == "deleteSrc", DeleteSrcAfter = mode == "deleteSrcAfter", DryRun = true, Dirs = true };

        SyncResult result = await SyncAsync(src.Path, dst.Path, options);

        Assert.Equal(SyncOutcome.Succeeded, result.Outcome);
        Assert.Equal("new same", Left(src));
        Assert.False(File.Exists(dst.Combine("new")));
    }

    private static async Task<SyncResult> SyncAsync(string src, string dst, SyncOptions options) =>
        await new SyncEngine(new FileStorage(src), new FileStorage(dst), options).RunAsync(new InProcessWorkQueue());

    private static string Left(TempDirectory dir) =>
        string.Join(' ', Keys.Where(k => File.Exists(dir.Combine(k))));

    private static string LeftWithDirectories(TempDirectory dir) =>
        string.Join(' ', Directory.EnumerateFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir.Path, p) + (Directory.Exists(p) ? "/" : ""))
            .Order(StringComparer.Ordinal));
}
