using System.Security.Cryptography;
using System.Text;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Storage.Sftp;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Sshd;
using FsCheck;
using FsCheck.Fluent;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

/// <summary>
/// Sync directions with SFTP at either end, through the <c>ferry sync</c> command and the storage factory
/// (<c>sftp://</c> and <c>user@host:path</c>), against the private sshd.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SftpSyncTests(SshdFixture sshd) : IDisposable
{
    private readonly SshdServer _server = sshd.Server;
    private readonly string _name = "sync-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _local = Directory.CreateTempSubdirectory("ferry-sftp-sync-").FullName;

    public void Dispose() => Directory.Delete(_local, recursive: true);

    [Fact]
    public async Task FileToSftpToFile_TrickyTree_ByteIdentical()
    {
        string src = Path.Combine(_local, "src");
        WriteTree(src, new Dictionary<string, byte[]>
        {
            ["a b/c d.txt"] = "space"u8.ToArray(),
            ["a-b"] = "dash"u8.ToArray(),
            ["a/x"] = "slash"u8.ToArray(),
            ["a0"] = [],
            ["pct%20/%41"] = "percent"u8.ToArray(),
            ["é/中文/\U0001F600.bin"] = Encoding.UTF8.GetBytes("unicode"),
            ["deep/1/2/3/4/5/6/7/8/leaf"] = "deep"u8.ToArray(),
            ["big.bin"] = RandomNumberGenerator.GetBytes(5_000_000),
        });

        await SyncAsync(src + "/", SftpUrl("up/"));
        await SyncAsync(SftpUrl("up/"), Path.Combine(_local, "back") + "/");

        AssertSameTree(src, Path.Combine(_local, "back"), modes: false);
        AssertSameTree(src, Path.Combine(_server.DataDirectory, _name, "up"), modes: false);
    }

    [Fact]
    public async Task SftpToSftp_IncrementalWithDeleteDst_DestinationEqualsSource()
    {
        string srcRoot = Path.Combine(_server.DataDirectory, _name, "s");
        string dstRoot = Path.Combine(_server.DataDirectory, _name, "d");
        WriteTree(srcRoot, new Dictionary<string, byte[]> { ["k1"] = "1"u8.ToArray(), ["dir/k2"] = "22"u8.ToArray(), ["dir/sub/k3"] = RandomNumberGenerator.GetBytes(300_000) });
        await _server.GiveToUserAsync(Path.Combine(_server.DataDirectory, _name));

        await SyncAsync(SftpUrl("s/"), ScpUrl("d/"));
        AssertSameTree(srcRoot, dstRoot, modes: false);

        File.Delete(Path.Combine(srcRoot, "k1"));
        await File.WriteAllTextAsync(Path.Combine(srcRoot, "dir/k2"), "changed size");
        await File.WriteAllTextAsync(Path.Combine(srcRoot, "new"), "n");
        await _server.GiveToUserAsync(srcRoot);
        await SyncAsync(SftpUrl("s/"), ScpUrl("d/"), "--delete-dst");
        AssertSameTree(srcRoot, dstRoot, modes: false);
        Assert.False(File.Exists(Path.Combine(dstRoot, "k1")));
    }

    [Fact]
    public async Task SftpToFile_PermsAndMtimesKept()
    {
        string srcRoot = Path.Combine(_server.DataDirectory, _name, "p");
        WriteTree(srcRoot, new Dictionary<string, byte[]> { ["exec.sh"] = "#!/bin/sh\n"u8.ToArray(), ["private"] = "p"u8.ToArray() });
        File.SetUnixFileMode(Path.Combine(srcRoot, "exec.sh"), (UnixFileMode)0x1ED);
        File.SetUnixFileMode(Path.Combine(srcRoot, "private"), (UnixFileMode)0x180);
        File.SetLastWriteTimeUtc(Path.Combine(srcRoot, "private"), new DateTime(2019, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        await _server.GiveToUserAsync(Path.Combine(_server.DataDirectory, _name));

        await SyncAsync(SftpUrl("p/"), Path.Combine(_local, "p") + "/", "--perms");
        AssertSameTree(srcRoot, Path.Combine(_local, "p"), modes: true);
    }

    [Fact]
    public async Task RealInput_UsrShareDocSubset_FileToSftpToFile_ByteIdentical()
    {
        string src = Path.Combine(_local, "doc");
        Directory.CreateDirectory(src);
        string[] packages = Directory.GetDirectories("/usr/share/doc").Where(d => Path.GetFileName(d)[0] is 'a' or 'b').ToArray();
        Assert.True(packages.Length >= 5, "expected a real /usr/share/doc tree");
        using (var cp = System.Diagnostics.Process.Start("cp", ["-a", .. packages, src + "/"])!)
        {
            await cp.WaitForExitAsync();
            Assert.Equal(0, cp.ExitCode);
        }

        string firstFile = Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.CreateSymbolicLink(Path.Combine(src, "link-to-first"), Path.GetRelativePath(src, firstFile)); // links travel both ways too

        await SyncAsync(src + "/", SftpUrl("doc/"), "--perms", "--links");
        await SyncAsync(SftpUrl("doc/"), Path.Combine(_local, "doc-back") + "/", "--perms", "--links");

        int files = AssertSameTree(src, Path.Combine(_local, "doc-back"), modes: true);
        Assert.True(files >= 50, $"only {files} files");
    }

    [Fact]
    public async Task FileToSftp_Links_CopiedAsLinksVerbatim()
    {
        string src = Path.Combine(_local, "l");
        WriteTree(src, new Dictionary<string, byte[]> { ["t/file"] = "x"u8.ToArray() });
        File.CreateSymbolicLink(Path.Combine(src, "rel"), "t/file");
        File.CreateSymbolicLink(Path.Combine(src, "abs-dangling"), "/nonexistent/target");

        await SyncAsync(src + "/", SftpUrl("l/"), "--links");
        string dst = Path.Combine(_server.DataDirectory, _name, "l");
        Assert.Equal("t/file", new FileInfo(Path.Combine(dst, "rel")).LinkTarget);
        Assert.Equal("/nonexistent/target", new FileInfo(Path.Combine(dst, "abs-dangling")).LinkTarget);
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(dst, "t/file")));
    }

    [Fact]
    public async Task Sync_UnreachableServer_FailsWithClearMessage()
    {
        var error = new StringWriter();
        int rc = await FerryCli.RunAsync(["sync", "--quiet", _local + "/", $"sftp://{_server.User}@127.0.0.1:1/x/?identity={_server.IdentityFile}&known-hosts={_server.KnownHostsFile}"], new StringWriter(), error);
        Assert.NotEqual(0, rc);
        Assert.Contains("127.0.0.1", error.ToString());
    }

    /// <summary>
    /// The engine's property, with SFTP at one or both ends: random trees and options, and after a sync the
    /// destination equals what juicefs sync's rules say (same oracle as the local property test, without
    /// filters); a second run copies nothing.
    /// </summary>
    [Fact]
    public void Sync_RandomTreesAndOptions_AllSftpDirections_DestinationMatchesOracle()
    {
        Gen<(OracleCase Case, string Direction)> cases =
            from c in SyncOracle.Cases(["a", "b", "é", "x.txt", "a-", "a b", "%", "\U0001F600"], maxDepth: 3, maxSize: 9)
            from direction in Gen.Elements("file->sftp", "sftp->file", "sftp->sftp")
            select (c, direction);

        Prop.ForAll(Arb.From(cases), c => RunPropertyCaseAsync(c.Case, c.Direction).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(18).WithEndSize(10));
    }

    private async Task<bool> RunPropertyCaseAsync(OracleCase c, string direction)
    {
        (Dictionary<string, OracleFile> src, Dictionary<string, OracleFile> dst) = SyncOracle.Trees(c);
        string id = Guid.NewGuid().ToString("N")[..8];
        bool srcRemote = direction.StartsWith("sftp", StringComparison.Ordinal);
        bool dstRemote = direction.EndsWith("sftp", StringComparison.Ordinal);
        string srcDir = srcRemote ? Path.Combine(_server.DataDirectory, _name, "ps-" + id) : Path.Combine(_local, "ps-" + id);
        string dstDir = dstRemote ? Path.Combine(_server.DataDirectory, _name, "pd-" + id) : Path.Combine(_local, "pd-" + id);
        Directory.CreateDirectory(srcDir);
        Directory.CreateDirectory(dstDir);
        foreach (OracleFile f in src.Values)
        {
            WriteFile(srcDir, f.Path, f.Content, SyncOracle.BaseTime.AddSeconds(f.MtimeOffset));
        }

        foreach (OracleFile f in dst.Values)
        {
            WriteFile(dstDir, f.Path, f.Content, SyncOracle.BaseTime);
        }

        await _server.GiveToUserAsync(Path.Combine(_server.DataDirectory, _name));
        SyncOptions options = SyncOracle.Options(c.Flags) with { Threads = 3 };
        SortedDictionary<string, string> expected = SyncOracle.Expected(src, dst, options);

        string Relative(string dir) => Path.GetRelativePath(_server.DataDirectory, dir) + "/";
        await using IObjectStorage source = srcRemote ? StorageFactory.Default.Create(_server.UrlFor(Relative(srcDir))) : new FileStorage(srcDir);
        await using IObjectStorage destination = dstRemote ? StorageFactory.Default.Create(_server.UrlFor(Relative(dstDir))) : new FileStorage(dstDir);
        SyncResult first = await new SyncEngine(source, destination, options).RunAsync(new InProcessWorkQueue());
        Assert.True(first.Outcome == SyncOutcome.Succeeded, first.Reason);
        SortedDictionary<string, string> actual = TreeSnapshot.Take(dstDir, withDirectories: false);
        Assert.True(expected.SequenceEqual(actual), $"{direction} {options}: expected [{string.Join(", ", expected.Keys)}], actual [{string.Join(", ", actual.Keys)}]");
        Assert.DoesNotContain(actual.Keys, k => k.Contains(".tmp.", StringComparison.Ordinal));

        SyncResult second = await new SyncEngine(source, destination, options).RunAsync(new InProcessWorkQueue());
        Assert.True(second.Outcome == SyncOutcome.Succeeded, second.Reason);
        Assert.Equal(expected, TreeSnapshot.Take(dstDir, withDirectories: false));
        if (!options.ForceUpdate)
        {
            Assert.Equal(0, second.Counters.Copied);
            Assert.Equal(0, second.Counters.Deleted);
        }

        return true;
    }

    private static void WriteFile(string root, string relative, string content, DateTime mtime)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, mtime);
    }

    private string SftpUrl(string path) => _server.UrlFor(_name + "/" + path);

    private string ScpUrl(string path) =>
        $"{_server.User}@{_server.Host}:{_server.Port}:{_server.DataDirectory}/{_name}/{path}?identity={_server.IdentityFile}&known-hosts={_server.KnownHostsFile}";

    private static async Task SyncAsync(params string[] args)
    {
        string[] full = ["sync", "--quiet", .. args.Skip(2), args[0], args[1]];
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = await FerryCli.RunAsync(full, output, error);
        Assert.True(rc == 0, $"ferry {string.Join(' ', full)} exited {rc}: {error}");
    }

    private static void WriteTree(string root, Dictionary<string, byte[]> files)
    {
        foreach ((string key, byte[] bytes) in files)
        {
            string path = Path.Combine(root, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
        }
    }

    /// <summary>Compares two local trees: same entries, bytes, link targets, mtimes (whole seconds) and optionally modes.</summary>
    private static int AssertSameTree(string expectedRoot, string actualRoot, bool modes)
    {
        static SortedDictionary<string, FileSystemInfo> Walk(string root) =>
            new(new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .ToDictionary(i => Path.GetRelativePath(root, i.FullName), i => i), StringComparer.Ordinal);

        SortedDictionary<string, FileSystemInfo> expected = Walk(expectedRoot);
        SortedDictionary<string, FileSystemInfo> actual = Walk(actualRoot);
        Assert.Equal(expected.Keys.Where(k => !(expected[k] is DirectoryInfo d && IsEmptyDir(d))), actual.Keys.Where(k => !(actual[k] is DirectoryInfo d && IsEmptyDir(d))));
        int files = 0;
        foreach ((string key, FileSystemInfo e) in expected)
        {
            if (!actual.TryGetValue(key, out FileSystemInfo? a))
            {
                continue; // empty directory (synced only with --dirs)
            }

            Assert.Equal(e.LinkTarget, a.LinkTarget);
            if (e.LinkTarget is null && e is FileInfo ef)
            {
                files++;
                Assert.True(File.ReadAllBytes(ef.FullName).AsSpan().SequenceEqual(File.ReadAllBytes(a.FullName)), $"{key} differs");
                Assert.Equal(new DateTimeOffset(ef.LastWriteTimeUtc).ToUnixTimeSeconds(), new DateTimeOffset(a.LastWriteTimeUtc).ToUnixTimeSeconds());
                if (modes)
                {
                    Assert.Equal(ef.UnixFileMode, a.UnixFileMode);
                }
            }
        }

        return files;
    }

    private static bool IsEmptyDir(DirectoryInfo d) => !d.EnumerateFileSystemInfos().Any();
}
