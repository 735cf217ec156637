using System.Diagnostics;
using System.Security.Cryptography;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.S3;
using Ferry.SyncRunner.Storage.Sftp;
using Ferry.SyncRunner.Tests.Storage.S3;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Radosgw;
using Ferry.Testing.Sshd;
using FsCheck;
using FsCheck.Fluent;

namespace Ferry.SyncRunner.Tests.Storage;

/// <summary>
/// Whole syncs between the two remote backends, S3 (radosgw) → SFTP (sshd) and back, through the real engine, and a
/// real directory tree round-tripped file → S3 → SFTP → file through <c>ferry sync</c>.
/// </summary>
[Collection(RadosgwFixture.Collection)]
public sealed class CrossBackendSyncTests(RadosgwFixture radosgw, SshdFixture sshd) : IDisposable
{
    private const int MiB = 1024 * 1024;

    /// <summary>S3 options with a 5 MiB multipart threshold, so a 6 MiB object is a multipart upload.</summary>
    private static readonly S3StorageOptions Small = S3SyncTests.Small;

    private readonly RadosgwServer _s3 = radosgw.Server;
    private readonly SshdServer _sftp = sshd.Server;
    private readonly string _name = "cross-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _local = Directory.CreateTempSubdirectory("ferry-cross-").FullName;

    public void Dispose() => Directory.Delete(_local, recursive: true);

    /// <summary>The engine's property with S3 and SFTP at opposite ends, in both directions; a second run copies nothing.</summary>
    [Fact]
    public void Sync_RandomTreesAndOptions_S3ToSftpAndSftpToS3_DestinationMatchesOracle_SecondRunIsNoOp()
    {
        Gen<(OracleCase Case, bool ToSftp)> cases =
            from c in SyncOracle.Cases(["a", "b", "é", "x y", "%", "%41", "\U0001F600"], maxDepth: 3, maxSize: 9)
            from toSftp in Gen.Elements(true, false)
            select (c, toSftp);

        Prop.ForAll(Arb.From(cases), c => RunPropertyCaseAsync(c.Case, c.ToSftp).GetAwaiter().GetResult())
            .Check(Config.QuickThrowOnFailure.WithMaxTest(16).WithEndSize(10));
    }

    [Fact]
    public async Task Sync_SpecialKeysEmptyDeepAndMultipart_S3ToSftpToS3_ByteIdenticalWithModifiedTimes()
    {
        var mtime = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var tree = new Dictionary<string, byte[]>
        {
            ["a b/c d.txt"] = "space"u8.ToArray(),
            ["a%20b"] = "percent"u8.ToArray(),
            ["100%/%41%"] = "percents"u8.ToArray(),
            ["ünïcødé/ファイル.txt"] = "unicode"u8.ToArray(),
            ["emoji/\U0001F600"] = [],
            ["empty"] = [],
            ["deep/1/2/3/4/5/6/7/8/9/leaf"] = RandomNumberGenerator.GetBytes(3000),
            ["large.bin"] = RandomNumberGenerator.GetBytes((6 * MiB) + 17),
        };
        await using S3Storage origin = new(S3Location.Parse(_s3.Url(await _s3.CreateBucketAsync("xo"), "o/")), Small);
        int n = 0;
        foreach ((string key, byte[] bytes) in tree)
        {
            await origin.PutAsync(key, new MemoryStream(bytes), bytes.Length, new PutOptions { ModifiedTime = mtime.AddSeconds(n++) });
        }

        string sftpDir = Path.Combine(_sftp.DataDirectory, _name, "mid");
        await using SftpStorage middle = new SftpStorage(SftpLocation.Parse(_sftp.UrlFor(_name + "/mid/")));
        await using S3Storage back = new(S3Location.Parse(_s3.Url(await _s3.CreateBucketAsync("xb"), "deep/er/prefix/")), Small);

        SyncResult down = await SyncAsync(origin, middle, new SyncOptions());
        SyncResult up = await SyncAsync(middle, back, new SyncOptions());
        SyncResult downAgain = await SyncAsync(origin, middle, new SyncOptions());
        SyncResult upAgain = await SyncAsync(middle, back, new SyncOptions());

        Assert.Equal((tree.Count, tree.Count, 0L, 0L), (down.Counters.Copied, up.Counters.Copied, downAgain.Counters.Copied, upAgain.Counters.Copied));
        var expected = new SortedDictionary<string, string>(tree.ToDictionary(e => e.Key, e => SyncOracle.Hash(e.Value)), StringComparer.Ordinal);
        Assert.Equal(expected, TreeSnapshot.Take(sftpDir, withDirectories: false));
        Assert.Equal(expected, await StorageSnapshot.TakeAsync(back));
        foreach (string key in tree.Keys)
        {
            DateTimeOffset original = (await origin.HeadAsync(key))!.ModifiedTime;
            Assert.Equal(original.ToUnixTimeSeconds(), new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(sftpDir, key))).ToUnixTimeSeconds());
            Assert.Equal(original.ToUnixTimeSeconds(), (await back.HeadAsync(key))!.ModifiedTime.ToUnixTimeSeconds());
        }

        // Both uploads of the large object crossed the threshold: S3 multipart ETags end in -<parts>.
        Assert.EndsWith("-2", (await origin.HeadAsync("large.bin"))!.ETag!.Trim('"'), StringComparison.Ordinal);
        Assert.EndsWith("-2", (await back.HeadAsync("large.bin"))!.ETag!.Trim('"'), StringComparison.Ordinal);
    }

    /// <summary>
    /// A real tree not written for the purpose (Debian package docs under /usr/share/doc, from the packages named f*
    /// onwards until about 400 files: gzipped changelogs, copyright files, READMEs, a few MB) through <c>ferry sync</c>
    /// file → S3 → SFTP → file: same bytes, same mtimes.
    /// </summary>
    [Fact]
    public async Task RealInput_UsrShareDocSubset_FileToS3ToSftpToFile_ByteIdenticalWithModifiedTimes()
    {
        string src = Path.Combine(_local, "doc");
        Directory.CreateDirectory(src);
        var packages = new List<string>();
        int taken = 0;
        foreach (string package in Directory.GetDirectories("/usr/share/doc").Where(d => new DirectoryInfo(d).LinkTarget is null).OrderBy(d => string.CompareOrdinal(Path.GetFileName(d), "f") < 0).ThenBy(d => d, StringComparer.Ordinal))
        {
            FileInfo[] files = new DirectoryInfo(package).GetFiles("*", SearchOption.AllDirectories);
            if (taken < 400 && files.Sum(f => f.Length) < 2 * MiB)
            {
                packages.Add(package);
                taken += files.Length;
            }
        }

        Assert.True(taken >= 300, $"expected a real /usr/share/doc tree, found {taken} files");
        using (Process cp = Process.Start("cp", ["-a", .. packages, src + "/"]))
        {
            await cp.WaitForExitAsync();
            Assert.Equal(0, cp.ExitCode);
        }

        foreach (string link in Directory.EnumerateFileSystemEntries(src, "*", SearchOption.AllDirectories).Where(p => new FileInfo(p).LinkTarget is not null).ToList())
        {
            File.Delete(link); // S3 holds no links; the SFTP tests cover them
        }

        string bucket = await _s3.CreateBucketAsync("real");
        await CliSyncAsync(src + "/", _s3.Url(bucket, "usr/share/doc/"));
        await CliSyncAsync(_s3.Url(bucket, "usr/share/doc/"), _sftp.UrlFor(_name + "/doc/"));
        await CliSyncAsync(_sftp.UrlFor(_name + "/doc/"), Path.Combine(_local, "back") + "/");

        SortedDictionary<string, string> expected = TreeSnapshot.Take(src, withDirectories: false);
        Assert.True(expected.Count >= 300 && expected.Count < 5000, $"{expected.Count} files");
        Assert.Equal(expected, TreeSnapshot.Take(Path.Combine(_sftp.DataDirectory, _name, "doc"), withDirectories: false));
        Assert.Equal(expected, TreeSnapshot.Take(Path.Combine(_local, "back"), withDirectories: false));
        foreach (string key in expected.Keys)
        {
            long want = new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(src, key))).ToUnixTimeSeconds();
            Assert.Equal(want, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_local, "back", key))).ToUnixTimeSeconds());
        }
    }

    private async Task<bool> RunPropertyCaseAsync(OracleCase c, bool toSftp)
    {
        (Dictionary<string, OracleFile> src, Dictionary<string, OracleFile> dst) = SyncOracle.Trees(c);
        SyncOptions options = SyncOracle.Options(c.Flags) with { Threads = 3 };
        string id = Guid.NewGuid().ToString("N")[..8];
        string sftpDir = Path.Combine(_sftp.DataDirectory, _name, id);
        Directory.CreateDirectory(sftpDir);
        foreach (OracleFile f in toSftp ? dst.Values : src.Values)
        {
            string path = Path.Combine(sftpDir, f.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, f.Content);
            File.SetLastWriteTimeUtc(path, SyncOracle.BaseTime.AddSeconds(toSftp ? 0 : f.MtimeOffset));
        }

        await _sftp.GiveToUserAsync(Path.Combine(_sftp.DataDirectory, _name));
        await using S3Storage s3 = new(S3Location.Parse(_s3.Url(await _s3.CreateBucketAsync("xp"), id + "/")), Small);
        foreach (OracleFile f in toSftp ? src.Values : dst.Values)
        {
            byte[] bytes = f.Bytes;
            await s3.PutAsync(f.Path, new MemoryStream(bytes), bytes.Length, new PutOptions { ModifiedTime = SyncOracle.BaseTime.AddSeconds(toSftp ? f.MtimeOffset : 0) });
        }

        await using SftpStorage sftp = new SftpStorage(SftpLocation.Parse(_sftp.UrlFor(_name + "/" + id + "/")));
        IObjectStorage source = toSftp ? s3 : sftp;
        IObjectStorage destination = toSftp ? sftp : s3;
        Task<SortedDictionary<string, string>> SnapshotAsync() => toSftp ? Task.FromResult(TreeSnapshot.Take(sftpDir, withDirectories: false)) : StorageSnapshot.TakeAsync(s3);

        SortedDictionary<string, string> expected = SyncOracle.Expected(src, dst, options);
        await SyncAsync(source, destination, options);
        SortedDictionary<string, string> actual = await SnapshotAsync();
        Assert.True(expected.SequenceEqual(actual), $"{(toSftp ? "s3->sftp" : "sftp->s3")} {options}: expected [{string.Join(", ", expected.Keys)}], actual [{string.Join(", ", actual.Keys)}]");

        SyncResult second = await SyncAsync(source, destination, options);
        Assert.Equal(expected, await SnapshotAsync());
        if (!options.ForceUpdate)
        {
            Assert.Equal((0L, 0L), (second.Counters.Copied, second.Counters.Deleted));
        }

        return true;
    }

    private static Task<SyncResult> SyncAsync(IObjectStorage source, IObjectStorage destination, SyncOptions options) =>
        S3SyncTests.SyncAsync(source, destination, options);

    private static async Task CliSyncAsync(string source, string destination)
    {
        string[] args = ["sync", "--quiet", "--threads", "8", source, destination];
        var error = new StringWriter();
        int rc = await FerryCli.RunAsync(args, new StringWriter(), error);
        Assert.True(rc == 0, $"ferry sync exited {rc}: {error}");
    }
}
