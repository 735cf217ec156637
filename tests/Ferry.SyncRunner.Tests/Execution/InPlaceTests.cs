using Ferry.Api;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Execution;

/// <summary><c>--inplace</c> (juicefs sync 1.2): with <c>--update</c> a changed file in a file destination is rewritten in
/// place, keeping its inode and hard links, with no temporary file; object stores are refused.</summary>
public class InPlaceTests
{
    private static readonly DateTime T = new(2024, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [Theory]
    [InlineData(true)]   // local to local: the kernel's copy
    [InlineData(false)]  // streamed through the runner (as from S3 or SFTP)
    public async Task RunAsync_UpdateInPlace_KeepsInodeAndHardLink_ShrinksAndGrows(bool serverSide)
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        src.Write("grow", "a much longer new content", T.AddSeconds(60));
        src.Write("shrink", "new", T.AddSeconds(60));
        dst.Write("grow", "old", T);
        dst.Write("shrink", "the old, longer content", T);
        string hardLink = dst.Combine("hard-link-to-shrink");
        Assert.Equal(0, Link(dst.Combine("shrink"), hardLink));
        long growInode = Inode(dst.Combine("grow"));
        long shrinkInode = Inode(dst.Combine("shrink"));
        IObjectStorage destination = serverSide ? new FileStorage(dst.Path) : new HookedStorage(new FileStorage(dst.Path));

        SyncResult result = await new SyncEngine(new FileStorage(src.Path), destination, new SyncOptions { Update = true, InPlace = true, Filters = [new(Ferry.SyncRunner.Filtering.FilterAction.Exclude, "hard-link-*")] })
            .RunAsync(new InProcessWorkQueue());

        Assert.Equal(SyncOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, result.Counters.Copied);
        Assert.Equal("a much longer new content", File.ReadAllText(dst.Combine("grow")));
        Assert.Equal("new", File.ReadAllText(dst.Combine("shrink")));
        Assert.Equal(growInode, Inode(dst.Combine("grow")));
        Assert.Equal(shrinkInode, Inode(dst.Combine("shrink")));
        Assert.Equal("new", File.ReadAllText(hardLink));
        Assert.Equal(T.AddSeconds(60), File.GetLastWriteTimeUtc(dst.Combine("shrink")));
        Assert.Equal(T.AddSeconds(60), File.GetLastWriteTimeUtc(dst.Combine("grow")));
    }

    [Fact]
    public async Task RunAsync_InPlace_NewFileAndSymlinkAreWrittenAtomically_NotThroughTheLink()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        using var outside = new TempDirectory();
        src.Write("new", "n", T);
        src.Write("link", "through?", T.AddSeconds(60));
        outside.Write("target", "must stay", T);
        File.CreateSymbolicLink(dst.Combine("link"), outside.Combine("target"));

        SyncResult result = await new SyncEngine(new FileStorage(src.Path), new FileStorage(dst.Path), new SyncOptions { Update = true, InPlace = true })
            .RunAsync(new InProcessWorkQueue());

        Assert.Equal(SyncOutcome.Succeeded, result.Outcome);
        Assert.Equal("n", File.ReadAllText(dst.Combine("new")));
        Assert.Equal("must stay", File.ReadAllText(outside.Combine("target")));
        Assert.Null(new FileInfo(dst.Combine("link")).LinkTarget);
        Assert.Equal("through?", File.ReadAllText(dst.Combine("link")));
    }

    [Fact]
    public void Constructor_InPlaceToAnObjectStore_IsRefusedNamingIt()
    {
        using var src = new TempDirectory();

        var e = Assert.Throws<ConfigurationException>(() => new SyncEngine(new FileStorage(src.Path), new MemoryStorage(), new SyncOptions { InPlace = true }));

        Assert.Contains("--inplace", e.Message, StringComparison.Ordinal);
        Assert.Contains("object store", e.Message, StringComparison.Ordinal);
    }

    private static long Inode(string path)
    {
        Assert.Equal(0, Stat(path, out StatBuffer buffer));
        return (long)buffer.Inode;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string from, string to);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat(string path, out StatBuffer buffer);

    /// <summary>The start of <c>struct stat</c> (x86-64 and arm64 both begin with st_dev, st_ino), padded to the largest layout.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct StatBuffer
    {
        public ulong Device;
        public ulong Inode;

        [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.ByValArray, SizeConst = 32)]
        public long[] Rest;
    }
}
