using System.Runtime.InteropServices;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Storage.Local;

public class DirectoryReaderTests
{
    [Fact]
    public void Read_EveryKindOfEntry_AgreesWithDotNetsEnumeration()
    {
        Assert.True(DirectoryReader.IsSupported);
        using var dir = new TempDirectory();
        dir.Write("file", "12345", new DateTime(2021, 2, 3, 4, 5, 6, DateTimeKind.Utc).AddTicks(1234567));
        dir.Write("ünïcødé 😀", "x", new DateTime(1969, 12, 31, 23, 59, 58, DateTimeKind.Utc).AddTicks(5));
        Directory.CreateDirectory(dir.Combine("sub"));
        Directory.SetLastWriteTimeUtc(dir.Combine("sub"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetUnixFileMode(dir.Combine("file"), UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.SetUser);
        File.CreateSymbolicLink(dir.Combine("link"), "file");
        Assert.Equal(0, MakeFifo(dir.Combine("fifo"), 0x180));

        Dictionary<string, DirectoryReader.Entry> read = DirectoryReader.Read(dir.Path).ToDictionary(e => e.Name);

        Assert.Equal(new[] { "fifo", "file", "link", "sub", "ünïcødé 😀" }, read.Keys.Order(StringComparer.Ordinal));
        foreach (FileSystemInfo info in new DirectoryInfo(dir.Path).EnumerateFileSystemInfos())
        {
            DirectoryReader.Entry e = read[info.Name];
            EntryKind kind = info.LinkTarget is not null ? EntryKind.Symlink : info is DirectoryInfo ? EntryKind.Directory : EntryKind.File;
            Assert.Equal(kind, e.Kind);
            if (kind == EntryKind.Symlink)
            {
                continue; // .NET reports a link's target's mode; links are read through FileInfo by the walk
            }

            Assert.Equal(info.LastWriteTimeUtc, e.ModifiedTime);
            Assert.Equal((int)info.UnixFileMode, e.Mode);
            if (info is FileInfo f && kind == EntryKind.File)
            {
                Assert.Equal(f.Length, e.Size);
            }
        }

        Assert.Equal(5, read["file"].Size);
        Assert.Equal(0, read["sub"].Size);
    }

    [Fact]
    public void Read_MoreEntriesThanOneBatch_ReturnsEveryOne()
    {
        using var dir = new TempDirectory();
        for (int i = 0; i < 5000; i++)
        {
            File.WriteAllBytes(dir.Combine($"a-rather-long-file-name-so-that-the-entries-fill-several-batches-{i:D5}"), []);
        }

        List<DirectoryReader.Entry> read = DirectoryReader.Read(dir.Path);

        Assert.Equal(5000, read.Count);
        Assert.Equal(5000, read.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public void Read_MissingDirectory_ThrowsDirectoryNotFound()
    {
        using var dir = new TempDirectory();

        Assert.Throws<DirectoryNotFoundException>(() => DirectoryReader.Read(dir.Combine("missing")));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MakeFifo(string path, int mode);
}
