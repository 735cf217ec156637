using System.Text;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Storage.Local;

public class FileStorageTests
{
    private static async Task<List<ObjectEntry>> ListAsync(IObjectStorage s, ListOptions? o = null)
    {
        var list = new List<ObjectEntry>();
        await foreach (ObjectEntry e in s.ListAsync(o ?? new ListOptions()))
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task ListAsync_Tree_IsInUtf8ByteOrderWithDirectoriesBeforeContents()
    {
        using var dir = new TempDirectory();
        foreach (string f in new[] { "a.txt", "a/x", "a/b/y", "a0", "b", "é", "\uFF21", "\U0001F600", "A", "a-b/z" })
        {
            dir.Write(f, f);
        }

        Directory.CreateDirectory(dir.Combine("empty"));
        var s = new FileStorage(dir.Path);

        List<string> keys = (await ListAsync(s)).Select(e => e.Key).ToList();

        List<string> expected = keys.Order(KeyComparer.Utf8).ToList();
        Assert.Equal(expected, keys);
        Assert.Equal(
            new[] { "A", "a-b/", "a-b/z", "a.txt", "a/", "a/b/", "a/b/y", "a/x", "a0", "b", "empty/", "é", "\uFF21", "\U0001F600" },
            keys);
        Assert.Equal(
            keys.Select(k => Encoding.UTF8.GetBytes(k)).ToList(),
            keys.Select(k => Encoding.UTF8.GetBytes(k)).Order(Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToList());
    }

    [Fact]
    public async Task ListAsync_RangeAndPrefix_ReturnsHalfOpenRange()
    {
        using var dir = new TempDirectory();
        foreach (string f in new[] { "a/1", "a/2", "b/1", "b/2", "c" })
        {
            dir.Write(f, "x");
        }

        var s = new FileStorage(dir.Path);

        Assert.Equal(new[] { "a/2", "b/", "b/1" }, (await ListAsync(s, new ListOptions { Start = "a/2", End = "b/2" })).Select(e => e.Key));
        Assert.Equal(new[] { "b/", "b/1", "b/2" }, (await ListAsync(s, new ListOptions { Prefix = "b" })).Select(e => e.Key));
        Assert.Equal(new[] { "b/1", "b/2" }, (await ListAsync(s, new ListOptions { Prefix = "b/" })).Select(e => e.Key));
        Assert.Equal(new[] { "a/", "b/", "c" }, (await ListAsync(s, new ListOptions { Recursive = false })).Select(e => e.Key));
        Assert.Empty(await ListAsync(s, new ListOptions { Start = "c\0" }));
    }

    [Fact]
    public async Task ListAsync_Entries_CarrySizeMtimeAndMode()
    {
        using var dir = new TempDirectory();
        var mtime = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        string p = dir.Write("f", "12345", mtime);
        File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        ObjectEntry e = Assert.Single(await ListAsync(new FileStorage(dir.Path)));

        Assert.Equal(5, e.Size);
        Assert.Equal(mtime, e.ModifiedTime.UtcDateTime);
        Assert.Equal(0x184, e.Mode);
    }

    [Fact]
    public async Task ListAsync_SymlinkOutsideRoot_IsNotFollowed_InsideIsFollowed()
    {
        using var outside = new TempDirectory();
        outside.Write("secret", "secret");
        using var dir = new TempDirectory();
        dir.Write("real/f", "data");
        File.CreateSymbolicLink(dir.Combine("out"), outside.Combine("secret"));
        File.CreateSymbolicLink(dir.Combine("outdir"), outside.Path);
        File.CreateSymbolicLink(dir.Combine("in"), "real/f");
        File.CreateSymbolicLink(dir.Combine("loop"), ".");
        var s = new FileStorage(dir.Path);

        List<ObjectEntry> followed = await ListAsync(s);
        List<ObjectEntry> links = await ListAsync(s, new ListOptions { Links = true });

        Assert.Equal(new[] { "in", "real/", "real/f" }, followed.Select(e => e.Key));
        Assert.Equal(4, followed[0].Size);
        Assert.Equal(new[] { "in", "loop", "out", "outdir", "real/", "real/f" }, links.Select(e => e.Key));
        Assert.All(links.Where(e => !e.Key.StartsWith("real", StringComparison.Ordinal)), e => Assert.Equal(EntryKind.Symlink, e.Kind));
        Assert.Equal(outside.Combine("secret"), links.Single(e => e.Key == "out").LinkTarget);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("")]
    [InlineData("a\0b")]
    public async Task PutAsync_InvalidKey_ThrowsAndWritesNothing(string key)
    {
        using var parent = new TempDirectory();
        string root = parent.Combine("root");
        var s = new FileStorage(root);

        var e = await Assert.ThrowsAsync<StorageException>(() => s.PutAsync(key, new MemoryStream([1, 2, 3]), 3, new PutOptions()));

        Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(parent.Path, "*", SearchOption.AllDirectories), p => !p.StartsWith(root, StringComparison.Ordinal));
        Assert.False(File.Exists("/etc/passwd.tmp"));
    }

    [Fact]
    public async Task PutAsync_ThroughSymlinkedDirectory_IsRefused()
    {
        using var outside = new TempDirectory();
        using var dir = new TempDirectory();
        Directory.CreateSymbolicLink(dir.Combine("d"), outside.Path);
        var s = new FileStorage(dir.Path);

        var e = await Assert.ThrowsAsync<StorageException>(() => s.PutAsync("d/x", new MemoryStream([1]), 1, new PutOptions()));

        Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
    }

    [Fact]
    public async Task PutAsync_WritesAtomicallyAndKeepsMtimeAndMode()
    {
        using var dir = new TempDirectory();
        var s = new FileStorage(dir.Path);
        var mtime = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await s.PutAsync("x/y/z", new MemoryStream("hello"u8.ToArray()), 5, new PutOptions { ModifiedTime = mtime, Mode = 0x1C0 });

        Assert.Equal("hello", File.ReadAllText(dir.Combine("x/y/z")));
        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(dir.Combine("x/y/z")));
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(dir.Combine("x/y/z")));
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "*.tmp.*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PutAsync_MidWrite_NothingVisibleUnderAnyName()
    {
        using var dir = new TempDirectory();
        var s = new FileStorage(dir.Path);
        Assert.True(s.WritesUnnamedFiles); // Linux with /proc: O_TMPFILE
        Directory.CreateDirectory(dir.Combine("d"));
        var source = new GatedStream(new byte[500_000], releaseAfter: 300_000);

        Task put = s.PutAsync("d/f", source, 500_000, new PutOptions());
        await source.Paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Combine("d"))); // 300,000 bytes written, no name yet
        source.Release.SetResult();
        await put;

        Assert.Equal(500_000, new FileInfo(dir.Combine("d/f")).Length);
        Assert.Equal(["f"], Directory.EnumerateFileSystemEntries(dir.Combine("d")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task PutAsync_ExistingFile_ReplacedWholeAndNoTemporaryNameLeft()
    {
        using var dir = new TempDirectory();
        dir.Write("d/f", "old content");
        var s = new FileStorage(dir.Path);
        var source = new GatedStream(Encoding.ASCII.GetBytes(new string('n', 200_000)), releaseAfter: 100_000);

        Task put = s.PutAsync("d/f", source, 200_000, new PutOptions());
        await source.Paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("old content", File.ReadAllText(dir.Combine("d/f"))); // untouched until the new file is whole
        source.Release.SetResult();
        await put;

        Assert.Equal(new string('n', 200_000), File.ReadAllText(dir.Combine("d/f")));
        Assert.Equal(["f"], Directory.EnumerateFileSystemEntries(dir.Combine("d")).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PutAsync_SourceFailsMidway_LeavesNothingAndKeepsTheOldFile(bool unnamedFiles)
    {
        using var dir = new TempDirectory();
        dir.Write("d/kept", "old");
        var s = new FileStorage(dir.Path, unnamedFiles);
        var failing = new GatedStream(new byte[200_000], releaseAfter: 100_000, fail: true);
        failing.Release.SetResult();

        await Assert.ThrowsAnyAsync<Exception>(() => s.PutAsync("d/new", failing, 200_000, new PutOptions()));
        var failingAgain = new GatedStream(new byte[200_000], releaseAfter: 100_000, fail: true);
        failingAgain.Release.SetResult();
        await Assert.ThrowsAnyAsync<Exception>(() => s.PutAsync("d/kept", failingAgain, 200_000, new PutOptions()));

        Assert.Equal(["kept"], Directory.EnumerateFileSystemEntries(dir.Combine("d")).Select(Path.GetFileName));
        Assert.Equal("old", File.ReadAllText(dir.Combine("d/kept")));
    }

    [Fact]
    public async Task PutAsync_TemporaryNamePath_WritesAtomicallyWithModeAndMtime()
    {
        using var dir = new TempDirectory();
        var s = new FileStorage(dir.Path, unnamedFiles: false);
        Assert.False(s.WritesUnnamedFiles);
        var mtime = new DateTimeOffset(2022, 2, 2, 2, 2, 2, TimeSpan.Zero);
        var source = new GatedStream(new byte[300_000], releaseAfter: 100_000);

        Task put = s.PutAsync("f", source, 300_000, new PutOptions { ModifiedTime = mtime, Mode = 0x180 });
        await source.Paused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(Directory.EnumerateFiles(dir.Path, "f.tmp.*")); // this path shows a temporary name meanwhile
        Assert.False(File.Exists(dir.Combine("f")));
        source.Release.SetResult();
        await put;

        Assert.Equal(300_000, new FileInfo(dir.Combine("f")).Length);
        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(dir.Combine("f")));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(dir.Combine("f")));
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "*.tmp.*"));
    }

    [Theory]
    [InlineData(1_700_000_000_123_456_7L)]
    [InlineData(-1_234_567_8L)]
    public async Task PutAsync_ModifiedTime_KeptToTheTickBeforeAndAfterEpoch(long unixTicks)
    {
        using var dir = new TempDirectory();
        var s = new FileStorage(dir.Path);
        DateTimeOffset mtime = DateTimeOffset.UnixEpoch.AddTicks(unixTicks);
        byte[] large = new byte[(2 * 1024 * 1024) + 5];
        Random.Shared.NextBytes(large);

        await s.PutAsync("small", new MemoryStream([1, 2, 3]), 3, new PutOptions { ModifiedTime = mtime });
        await s.PutAsync("large", new MemoryStream(large), large.Length, new PutOptions { ModifiedTime = mtime });

        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(dir.Combine("small")));
        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(dir.Combine("large")));
        Assert.Equal(large, File.ReadAllBytes(dir.Combine("large")));
        Assert.Equal(3, new FileInfo(dir.Combine("small")).Length);
    }

    [Fact]
    public async Task PutAsync_StreamFails_LeavesOldObjectAndNoTempFile()
    {
        using var dir = new TempDirectory();
        dir.Write("f", "old");
        var s = new FileStorage(dir.Path);

        await Assert.ThrowsAsync<StorageException>(() => s.PutAsync("f", new FailingStream(), 100, new PutOptions()));

        Assert.Equal("old", File.ReadAllText(dir.Combine("f")));
        Assert.Single(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task PutAsync_Cancelled_RemovesTempFile()
    {
        using var dir = new TempDirectory();
        var s = new FileStorage(dir.Path);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.PutAsync("f", new MemoryStream(new byte[10]), 10, new PutOptions(), cts.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task OpenReadAsync_Range_ReturnsRequestedBytes()
    {
        using var dir = new TempDirectory();
        dir.Write("f", "0123456789");
        var s = new FileStorage(dir.Path);

        await using Stream st = await s.OpenReadAsync("f", 3, 4);
        using var reader = new StreamReader(st);

        Assert.Equal("3456", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task DeleteAsync_NonEmptyDirectory_ThrowsInvalid_MissingKey_IsNoError()
    {
        using var dir = new TempDirectory();
        dir.Write("d/f", "x");
        var s = new FileStorage(dir.Path);

        var e = await Assert.ThrowsAsync<StorageException>(() => s.DeleteAsync("d/"));
        await s.DeleteAsync("missing");
        await s.DeleteAsync("d/f");
        await s.DeleteAsync("d/");

        Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task CreateSymlinkAsync_ReplacesFile_TargetVerbatim()
    {
        using var dir = new TempDirectory();
        dir.Write("l", "file");
        var s = new FileStorage(dir.Path);

        await s.CreateSymlinkAsync("l", "../../nowhere");
        ObjectEntry? head = await s.HeadAsync("l");

        Assert.Equal("../../nowhere", new FileInfo(dir.Combine("l")).LinkTarget);
        Assert.Equal(EntryKind.Symlink, head!.Kind);
    }

    [Fact]
    public async Task CopyFromAsync_LocalSource_CopiesWithMtime()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var mtime = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        a.Write("p/q", "content", mtime);
        var src = new FileStorage(a.Path);
        var dst = new FileStorage(b.Path);
        ObjectEntry entry = (await ListAsync(src)).Single(e => e.Key == "p/q");

        Assert.True(dst.CanCopyFrom(src));
        await dst.CopyFromAsync(src, entry, "p/q", new PutOptions { ModifiedTime = entry.ModifiedTime });

        Assert.Equal("content", File.ReadAllText(b.Combine("p/q")));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(b.Combine("p/q")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CopyFromAsync_BothWritePaths_ReplaceWholeWithModeAndMtimeAndLeaveNoTemporaryName(bool unnamedFiles)
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var mtime = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        string big = new('x', 3 * 1024 * 1024 + 17);
        a.Write("p/q", big, mtime);
        File.SetUnixFileMode(a.Combine("p/q"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        b.Write("p/q", "old content");
        var src = new FileStorage(a.Path);
        var dst = new FileStorage(b.Path, unnamedFiles);
        ObjectEntry entry = (await ListAsync(src)).Single(e => e.Key == "p/q");

        await dst.CopyFromAsync(src, entry, "p/q", new PutOptions { ModifiedTime = entry.ModifiedTime });
        await dst.CopyFromAsync(src, entry, "p/new", new PutOptions { ModifiedTime = entry.ModifiedTime, Mode = 0x1ED });

        Assert.Equal(big, File.ReadAllText(b.Combine("p/q")));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(b.Combine("p/q")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(b.Combine("p/q")));
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(b.Combine("p/new")));
        Assert.Equal(new[] { "new", "q" }, Directory.GetFiles(b.Combine("p")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CopyFromAsync_AcrossFileSystems_CopiesEveryByte()
    {
        // /dev/shm (tmpfs) and the temporary directory are different file systems here: copy_file_range refuses
        // (EXDEV) and the bytes go through memory.
        string shm = Directory.CreateTempSubdirectory("ferry-test-").FullName;
        Assert.True(Directory.Exists("/dev/shm"), "this test needs /dev/shm");
        string other = Path.Combine("/dev/shm", "ferry-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(other);
        try
        {
            byte[] content = new byte[(3 * 1024 * 1024) + 5];
            new Random(7).NextBytes(content);
            File.WriteAllBytes(Path.Combine(other, "f"), content);
            var src = new FileStorage(other);
            ObjectEntry entry = (await ListAsync(src)).Single(e => e.Key == "f");

            await new FileStorage(shm).CopyFromAsync(src, entry, "f", new PutOptions { ModifiedTime = entry.ModifiedTime });

            Assert.Equal(content, File.ReadAllBytes(Path.Combine(shm, "f")));
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task CopyFromAsync_SourceGone_ThrowsNotFoundAndWritesNothing()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        a.Write("gone", "x");
        var src = new FileStorage(a.Path);
        ObjectEntry entry = (await ListAsync(src)).Single(e => e.Key == "gone");
        File.Delete(a.Combine("gone"));

        var e = await Assert.ThrowsAsync<StorageException>(() => new FileStorage(b.Path).CopyFromAsync(src, entry, "gone", new PutOptions()));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Empty(Directory.GetFileSystemEntries(b.Path));
    }

    private sealed class FailingStream : Stream
    {
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => 100;

        public override long Position { get => 0; set { } }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ++_reads > 1 ? throw new IOException("network reset") : 10;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
