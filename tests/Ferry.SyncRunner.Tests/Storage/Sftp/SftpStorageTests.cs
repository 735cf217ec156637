using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Storage.Sftp;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Testing.Sshd;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

[Collection(SshdCollection.Name)]
public sealed class SftpStorageTests(SshdFixture sshd) : IAsyncLifetime
{
    private static readonly DateTimeOffset Mtime = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly SshdServer _server = sshd.Server;
    private string _name = null!;
    private string _root = null!;
    private readonly List<string> _localDirectories = [];
    private SftpStorage _storage = null!;

    public Task InitializeAsync()
    {
        _name = "st-" + Guid.NewGuid().ToString("N")[..8];
        _root = Path.Combine(_server.DataDirectory, _name);
        _storage = new SftpStorage(SftpLocation.Parse(_server.UrlFor(_name + "/")));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        foreach (string dir in _localDirectories)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PutHeadOpenRead_RoundTrip_KeepsBytesModeAndMtime()
    {
        await PutAsync("dir/sub/file.txt", "hello sftp", new PutOptions { ModifiedTime = Mtime, Mode = 0x1C0 /* 0700 */ });

        ObjectEntry? head = await _storage.HeadAsync("dir/sub/file.txt");
        Assert.NotNull(head);
        Assert.Equal(10, head!.Size);
        Assert.Equal(Mtime, head.ModifiedTime);
        Assert.Equal(0x1C0, head.Mode);
        Assert.Equal(EntryKind.File, head.Kind);
        Assert.Equal("hello sftp", await ReadAsync("dir/sub/file.txt"));
        Assert.Equal("hello sftp", await File.ReadAllTextAsync(Path.Combine(_root, "dir/sub/file.txt")));
        Assert.Equal(EntryKind.Directory, (await _storage.HeadAsync("dir/"))!.Kind);
        Assert.Null(await _storage.HeadAsync("dir")); // a directory's key ends in '/'
        Assert.Null(await _storage.HeadAsync("missing"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "dir/sub"), "*.tmp.*"));
    }

    [Fact]
    public async Task Put_DefaultMode_Is0644AndEmptyObjectsWork()
    {
        await PutAsync("empty", "", new PutOptions());
        ObjectEntry head = (await _storage.HeadAsync("empty"))!;
        Assert.Equal(0, head.Size);
        Assert.Equal(0x1A4, head.Mode);
        Assert.Equal("", await ReadAsync("empty"));
    }

    [Theory]
    [InlineData(0, -1, "0123456789")]
    [InlineData(3, -1, "3456789")]
    [InlineData(3, 4, "3456")]
    [InlineData(8, 100, "89")]
    [InlineData(10, -1, "")]
    [InlineData(20, 5, "")]
    public async Task OpenRead_Ranges_ReturnExactlyThoseBytes(long offset, long length, string expected)
    {
        await PutAsync("r", "0123456789", new PutOptions());
        await using Stream s = await _storage.OpenReadAsync("r", offset, length);
        Assert.Equal(expected, await new StreamReader(s).ReadToEndAsync());
    }

    [Fact]
    public async Task OpenRead_Missing_IsNotFound()
    {
        var e = await Assert.ThrowsAnyAsync<StorageException>(() => _storage.OpenReadAsync("nope"));
        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public async Task Put_ExistingObject_ReplacedWholly()
    {
        await PutAsync("x", new string('a', 100_000), new PutOptions());
        await PutAsync("x", "short", new PutOptions());
        Assert.Equal("short", await ReadAsync("x"));
        Assert.Equal(["x"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Put_WhileInProgress_NothingUnderFinalNameUntilComplete()
    {
        var gate = new GatedStream(new byte[300_000], releaseAfter: 100_000);
        Task put = _storage.PutAsync("atomic.bin", gate, 300_000, new PutOptions());
        await gate.Paused.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => Directory.Exists(_root) && Directory.GetFiles(_root, "atomic.bin.tmp.*").Length == 1);

        Assert.False(File.Exists(Path.Combine(_root, "atomic.bin")));
        Assert.Null(await _storage.HeadAsync("atomic.bin"));

        gate.Release.SetResult();
        await put;
        Assert.Equal(300_000, new FileInfo(Path.Combine(_root, "atomic.bin")).Length);
        Assert.Empty(Directory.GetFiles(_root, "*.tmp.*"));
    }

    [Fact]
    public async Task Put_SourceFails_RemovesTempAndKeepsOldObject()
    {
        await PutAsync("keep", "old", new PutOptions());
        var failing = new GatedStream(new byte[200_000], releaseAfter: 100_000, fail: true);
        failing.Release.SetResult();
        await Assert.ThrowsAsync<IOException>(() => _storage.PutAsync("keep", failing, 200_000, new PutOptions()));
        Assert.Equal("old", await ReadAsync("keep"));
        Assert.Equal(["keep"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Put_SizeMismatch_FailsAndLeavesNothing()
    {
        var e = await Assert.ThrowsAnyAsync<StorageException>(() => _storage.PutAsync("m", new MemoryStream(new byte[10]), 11, new PutOptions()));
        Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        Assert.Empty(Directory.GetFiles(_root));
    }

    [Fact]
    public async Task List_TrickyNames_SortedUtf8WithDirectoriesBeforeContents()
    {
        string[] files =
        [
            "a b", "a-b", "a/x", "a/y/z", "a0", "b%20c", "%", "é", "中文/文件", "\U0001F600", "\uFFFD", "Z", " lead", "dir with space/f",
            "a/y/z2", "deep/1/2/3/4/leaf",
        ];
        foreach (string key in files)
        {
            await PutAsync(key, key, new PutOptions { ModifiedTime = Mtime });
        }

        List<ObjectEntry> listed = await ListAsync(new ListOptions());
        List<string> expected = ExpectedKeys(files);
        Assert.Equal(expected, listed.Select(e => e.Key));
        Assert.Equal(expected.Order(KeyComparer.Utf8), listed.Select(e => e.Key));
        Assert.All(listed.Where(e => !e.IsDirectory), e => Assert.Equal(Encoding.UTF8.GetByteCount(e.Key), e.Size));
        Assert.All(listed.Where(e => e.IsDirectory), e => Assert.Equal(EntryKind.Directory, e.Kind));
        Assert.True(expected.IndexOf("a-b") < expected.IndexOf("a/")); // '-' < '/'
        Assert.True(expected.IndexOf("a/y/z2") < expected.IndexOf("a0"));
    }

    [Fact]
    public async Task List_PrefixRangeAndDepth_EqualFilteredFullListing()
    {
        string[] files = ["a-b", "a/x", "a/y/z", "a/y/zz", "a0", "ab/c", "b/c/d", "b/c/e", "b/d", "c", "é/1", "\U0001F600"];
        foreach (string key in files)
        {
            await PutAsync(key, "v", new PutOptions());
        }

        List<string> all = ExpectedKeys(files);
        Assert.Equal(all, (await ListAsync(new ListOptions())).Select(e => e.Key));
        string[] bounds = ["", "a", "a/", "a/y", "a/y/", "a/y/zz", "a0", "ab", "b/", "b/c/e", "b/d", "c", "d", "é", "\U0001F600", "\U0001F601"];
        var rng = new Random(7);
        for (int i = 0; i < 60; i++)
        {
            string prefix = rng.Next(3) == 0 ? bounds[rng.Next(bounds.Length)] : "";
            string start = bounds[rng.Next(bounds.Length)];
            string? end = rng.Next(3) == 0 ? null : bounds[rng.Next(bounds.Length)];
            bool recursive = rng.Next(2) == 0;
            var options = new ListOptions { Prefix = prefix, Start = start, End = end, Recursive = recursive };
            List<string> expected = all
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && new KeyRange(start, end).Contains(k))
                .Where(k => recursive || k.IndexOf('/', prefix.Length) is int s && (s < 0 || s == k.Length - 1))
                .ToList();
            Assert.True(expected.SequenceEqual((await ListAsync(options)).Select(e => e.Key)), $"{options}: expected {string.Join(",", expected)}");
        }
    }

    [Fact]
    public async Task List_RangeOutsideSubtrees_DoesNotReadThem()
    {
        for (int d = 0; d < 10; d++)
        {
            for (int f = 0; f < 3; f++)
            {
                await PutAsync($"d{d}/f{f}", "v", new PutOptions());
            }
        }

        await using SftpStorage fresh = new SftpStorage(SftpLocation.Parse(_server.UrlFor(_name + "/")));
        List<ObjectEntry> listed = await ToListAsync(fresh.ListAsync(new ListOptions { Start = "d7/", End = "d8/" }));
        Assert.Equal(["d7/", "d7/f0", "d7/f1", "d7/f2"], listed.Select(e => e.Key));
        int requests = fresh.Channels.Sum(c => c.RequestsSent);
        Assert.True(requests <= 12, $"{requests} requests: directories outside the range were read"); // root + d7: opendir, readdir×2, close each
    }

    [Fact]
    public async Task List_DeepPrefix_StartsInItsDirectory()
    {
        for (int d = 0; d < 10; d++)
        {
            await PutAsync($"d{d}/sub/f", "v", new PutOptions());
        }

        await using SftpStorage fresh = new SftpStorage(SftpLocation.Parse(_server.UrlFor(_name + "/")));
        Assert.Equal(["d7/sub/f"], (await ToListAsync(fresh.ListAsync(new ListOptions { Prefix = "d7/sub/f" }))).Select(e => e.Key));
        int requests = fresh.Channels.Sum(c => c.RequestsSent);
        Assert.True(requests <= 7, $"{requests} requests"); // realpath ×2, then opendir, readdir ×2, close of d7/sub/ only
        Assert.Empty(await ToListAsync(fresh.ListAsync(new ListOptions { Prefix = "nope/x" })));
    }

    [Fact]
    public async Task List_MissingRoot_IsEmpty()
    {
        await using SftpStorage missing = new SftpStorage(SftpLocation.Parse(_server.UrlFor("no-such-dir-" + _name + "/")));
        Assert.Empty(await ToListAsync(missing.ListAsync(new ListOptions())));
    }

    [Fact]
    public async Task List_Symlinks_AsLinksOrFollowedInsideRootOnly()
    {
        await PutAsync("real/file", "12345", new PutOptions());
        await PutAsync("top", "t", new PutOptions());
        await _storage.CreateSymlinkAsync("link-file", "real/file");
        await _storage.CreateSymlinkAsync("link-dir", "real");
        await _storage.CreateSymlinkAsync("link-out", "/etc/hostname");
        await _storage.CreateSymlinkAsync("link-dangling", "nowhere");
        await _storage.CreateSymlinkAsync("real/loop", "..");

        List<ObjectEntry> links = await ListAsync(new ListOptions { Links = true });
        Assert.Equal(["link-dangling", "link-dir", "link-file", "link-out", "real/", "real/file", "real/loop", "top"], links.Select(e => e.Key));
        ObjectEntry linkFile = links.Single(e => e.Key == "link-file");
        Assert.Equal(EntryKind.Symlink, linkFile.Kind);
        Assert.Equal("real/file", linkFile.LinkTarget);
        Assert.Equal("real/file".Length, linkFile.Size);

        List<ObjectEntry> followed = await ListAsync(new ListOptions());
        Assert.Equal(["link-dir/", "link-dir/file", "link-file", "real/", "real/file", "top"], followed.Select(e => e.Key));
        Assert.All(followed, e => Assert.NotEqual(EntryKind.Symlink, e.Kind));
        Assert.Equal(5, followed.Single(e => e.Key == "link-file").Size);

        Assert.Empty(await ListAsync(new ListOptions { Prefix = "link-dir/", Links = true })); // a link is not descended
        Assert.Equal(["link-dir/file"], (await ListAsync(new ListOptions { Prefix = "link-dir/" })).Select(e => e.Key));
        Assert.Equal(["link-dir/file"], (await ListAsync(new ListOptions { Prefix = "link-dir/f" })).Select(e => e.Key));
        Assert.Equal(["real/file"], (await ListAsync(new ListOptions { Prefix = "real/f", Links = true })).Select(e => e.Key));
    }

    [Fact]
    public async Task List_SameTreeAsTheLocalBackend_SameListing_EvenWithLinksLeadingToEachOther()
    {
        await PutAsync("real/file", "12345", new PutOptions());
        await PutAsync("real/sub/deep", "d", new PutOptions());
        await PutAsync("a/f", "f", new PutOptions());
        await PutAsync("b/g", "gg", new PutOptions());
        await PutAsync("top", "t", new PutOptions());
        await _storage.CreateSymlinkAsync("link-file", "real/file");
        await _storage.CreateSymlinkAsync("link-dir", "real");
        await _storage.CreateSymlinkAsync("link-out", "/etc");
        await _storage.CreateSymlinkAsync("link-dangling", "nowhere");
        await _storage.CreateSymlinkAsync("real/loop", "..");
        await _storage.CreateSymlinkAsync("a/x", "../b"); // a/x -> b and b/y -> a: a walk that does not remember
        await _storage.CreateSymlinkAsync("b/y", "../a"); // where it is goes round for ever
        await using var local = new FileStorage(_root);
        ListOptions[] cases =
        [
            new(), new() { Links = true }, new() { Prefix = "link-dir/" }, new() { Prefix = "a/x/" }, new() { Prefix = "a/", Recursive = false },
            new() { Start = "b/", End = "real/sub/" }, new() { Prefix = "link-dir/s", Links = true }, new() { Prefix = "b/y/x/" },
        ];

        foreach (ListOptions options in cases)
        {
            List<ObjectEntry> expected = await ToListAsync(local.ListAsync(options));
            List<ObjectEntry> listed = await ListAsync(options);
            Assert.True(
                expected.Select(e => (e.Key, e.Kind, e.Size)).SequenceEqual(listed.Select(e => (e.Key, e.Kind, e.Size))),
                $"{options}: local {string.Join(",", expected.Select(e => e.Key))}, sftp {string.Join(",", listed.Select(e => e.Key))}");
        }

        Assert.Equal(
            ["a/", "a/f", "a/x/", "a/x/g", "a/x/y/", "b/", "b/g", "b/y/", "b/y/f", "b/y/x/", "link-dir/", "link-dir/file", "link-dir/sub/", "link-dir/sub/deep", "link-file", "real/", "real/file", "real/sub/", "real/sub/deep", "top"],
            (await ListAsync(new ListOptions())).Select(e => e.Key));
    }

    [Fact]
    public async Task CreateSymlink_ReplacesExistingLinkAtomically()
    {
        await _storage.CreateSymlinkAsync("sub/l", "one");
        await _storage.CreateSymlinkAsync("sub/l", "two");
        Assert.Equal("two", new FileInfo(Path.Combine(_root, "sub/l")).LinkTarget);
        ObjectEntry head = (await _storage.HeadAsync("sub/l"))!;
        Assert.Equal(EntryKind.Symlink, head.Kind); // dangling: reported as a link
        Assert.Equal("two", head.LinkTarget);
    }

    [Fact]
    public async Task DeleteAsync_FilesDirectoriesAndMissingKeys()
    {
        await PutAsync("d/f", "x", new PutOptions());
        var notEmpty = await Assert.ThrowsAnyAsync<StorageException>(() => _storage.DeleteAsync("d/"));
        Assert.Equal(StorageErrorKind.Invalid, notEmpty.Kind);
        await _storage.DeleteAsync("d/f");
        await _storage.DeleteAsync("d/f"); // missing: not an error
        await _storage.DeleteAsync("d/");
        await _storage.DeleteAsync("d/");
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task CreateDirectoryAndSetAttributes_ApplyModeAndMtime()
    {
        await _storage.CreateDirectoryAsync("x/y/z/", new PutOptions { Mode = 0x1E8 /* 0750 */, ModifiedTime = Mtime });
        await _storage.CreateDirectoryAsync("x/y/z/", new PutOptions()); // exists: fine
        ObjectEntry dir = (await _storage.HeadAsync("x/y/z/"))!;
        Assert.Equal(EntryKind.Directory, dir.Kind);
        Assert.Equal(0x1E8, dir.Mode);
        Assert.Equal(Mtime, dir.ModifiedTime);

        await PutAsync("x/f", "1", new PutOptions());
        await _storage.SetAttributesAsync("x/f", 0x180, Mtime.AddDays(1));
        ObjectEntry file = (await _storage.HeadAsync("x/f"))!;
        Assert.Equal(0x180, file.Mode);
        Assert.Equal(Mtime.AddDays(1), file.ModifiedTime);

        await PutAsync("conflict", "f", new PutOptions());
        await Assert.ThrowsAnyAsync<StorageException>(() => _storage.CreateDirectoryAsync("conflict/", new PutOptions()));
    }

    [Fact]
    public async Task LargeObject_64MiB_RoundTripsByteIdenticalWithPipelining()
    {
        byte[] data = RandomNumberGenerator.GetBytes(64 * 1024 * 1024);
        await _storage.PutAsync("big.bin", new MemoryStream(data), data.Length, new PutOptions());
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_root, "big.bin"))));

        await using (Stream s = await _storage.OpenReadAsync("big.bin"))
        {
            Assert.Equal(SHA256.HashData(data), await SHA256.HashDataAsync(s));
        }

        // 2 MiB in flight per session in requests of OpenSSH's largest size (261,120 bytes): 8 at once.
        Assert.True(_storage.Channels.Max(c => c.MaxInFlightObserved) >= 8, "READ/WRITE requests were not pipelined");
    }

    [Fact]
    public async Task PutAsync_ConcurrentLargeFilesOnOneSession_ShareItsBudgetInFlight()
    {
        // One session, a 1 MiB budget (16 WRITEs of 64 KiB): six files at once get 2 each, not 64 each.
        await using var storage = new SftpStorage(
            SftpLocation.Parse(_server.UrlFor(_name + "/")),
            new SftpStorageOptions { MaxConnections = 1, ChunkSize = 64 * 1024, MaxBytesInFlightPerSession = 1024 * 1024 });
        byte[][] data = Enumerable.Range(0, 6).Select(_ => RandomNumberGenerator.GetBytes(6 * 1024 * 1024)).ToArray();
        await Task.WhenAll(data.Select((d, i) => Task.Run(() => storage.PutAsync($"shared/f{i}", new MemoryStream(d), d.Length, new PutOptions()))));

        for (int i = 0; i < data.Length; i++)
        {
            Assert.Equal(SHA256.HashData(data[i]), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_root, "shared", $"f{i}"))));
        }

        SftpChannel session = Assert.Single(storage.Channels);
        // Each file's share shrinks as others join (16, 8, 5, 4, 3, 2) while its earlier WRITEs drain, so the peak is at
        // most the sum of the shares (38), plus each file's OPEN/FSETSTAT/CLOSE; without the budget, one file alone
        // would keep 64 in flight.
        Assert.InRange(session.MaxInFlightObserved, 2, 16 + 8 + 5 + 4 + 3 + 2 + (3 * data.Length));
    }

    [Fact]
    public async Task PutAsync_LocalFileSource_MovesItsBytesBySpliceByteIdentical()
    {
        string dir = LocalDirectory();
        byte[] data = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 12345);
        await File.WriteAllBytesAsync(Path.Combine(dir, "src.bin"), data);
        var files = new FileStorage(dir);
        await using (Stream source = await files.OpenReadAsync("src.bin"))
        {
            await _storage.PutAsync("spliced.bin", source, data.Length, new PutOptions { ModifiedTime = Mtime });
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_root, "spliced.bin")));
        Assert.Equal(Mtime, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_root, "spliced.bin"))));
        Assert.Equal(data.Length, _storage.Channels.Sum(c => c.BytesSpliced));
    }

    [Fact]
    public async Task PutAsync_LocalFileShrankAfterOpen_FailsLeavesNothingAndTheSessionStaysInStep()
    {
        string dir = LocalDirectory();
        byte[] data = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);
        string path = Path.Combine(dir, "shrinks.bin");
        await File.WriteAllBytesAsync(path, data);
        var files = new FileStorage(dir);
        await using (Stream source = await files.OpenReadAsync("shrinks.bin"))
        {
            using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                truncate.SetLength(1024 * 1024 + 1000); // the listing said 2 MiB; the WRITEs past this point find no bytes
            }

            var e = await Assert.ThrowsAsync<StorageException>(() => _storage.PutAsync("shrunk.bin", source, data.Length, new PutOptions()));
            Assert.Equal(StorageErrorKind.Invalid, e.Kind);
        }

        Assert.False(File.Exists(Path.Combine(_root, "shrunk.bin")));
        Assert.Empty(Directory.GetFiles(_root, "*.tmp.*"));

        // The padded WRITE kept the byte stream to ssh in step: the same session carries the next file.
        await PutAsync("after.txt", "next", new PutOptions());
        Assert.Equal("next", await File.ReadAllTextAsync(Path.Combine(_root, "after.txt")));
        Assert.Single(_storage.Channels);
    }

    [Fact]
    public async Task PutAsync_LocalFileGrewAfterListing_FailsLikeAReadToItsEnd()
    {
        string dir = LocalDirectory();
        string path = Path.Combine(dir, "grows.bin");
        await File.WriteAllBytesAsync(path, new byte[300_000]);
        var files = new FileStorage(dir);
        await using (Stream source = await files.OpenReadAsync("grows.bin"))
        {
            await File.AppendAllTextAsync(path, "0123456789");
            var e = await Assert.ThrowsAsync<StorageException>(() => _storage.PutAsync("grown.bin", source, 300_000, new PutOptions()));
            Assert.Equal(StorageErrorKind.Invalid, e.Kind);
            Assert.Contains("300010", e.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(_root, "grown.bin")));
        Assert.Empty(Directory.GetFiles(_root, "*.tmp.*"));
    }

    [Fact]
    public async Task Pool_ConcurrentTransfers_UseSeveralSessionsWithinLimit_DisposeReapsProcesses()
    {
        await using var storage = new SftpStorage(SftpLocation.Parse(_server.UrlFor(_name + "/")), new SftpStorageOptions { MaxConnections = 3 });
        // Twelve writes that all hold their session at once (each pauses half-way until all have started).
        GatedStream[] sources = Enumerable.Range(0, 12).Select(_ => new GatedStream(new byte[400_000], releaseAfter: 200_000)).ToArray();
        Task[] puts = sources.Select((s, i) => Task.Run(() => storage.PutAsync($"p{i}", s, 400_000, new PutOptions()))).ToArray();
        await Task.WhenAll(sources.Select(s => s.Paused.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        int[] pids = storage.Channels.Select(c => c.ProcessId).ToArray();
        Assert.Equal(3, pids.Length);
        foreach (GatedStream s in sources)
        {
            s.Release.SetResult();
        }

        await Task.WhenAll(puts);
        Assert.Equal(3, storage.Channels.Count); // reused, not replaced
        Assert.Equal(12, Directory.GetFiles(_root).Length);

        await storage.DisposeAsync();
        Assert.All(pids, pid => Assert.False(IsRunning(pid), $"ssh {pid} still running"));
    }

    [Fact]
    public async Task HomeRelativePath_ResolvesUnderLoginHome()
    {
        string sub = "ferry-home-" + Guid.NewGuid().ToString("N")[..8];
        string url = $"{_server.User}@{_server.Host}:{_server.Port}:{sub}/?identity={_server.IdentityFile}&known-hosts={_server.KnownHostsFile}";
        await using SftpStorage home = new SftpStorage(SftpLocation.Parse(url));
        await home.PutAsync("f", new MemoryStream("h"u8.ToArray()), 1, new PutOptions());
        Assert.Equal(["f"], (await ToListAsync(home.ListAsync(new ListOptions()))).Select(e => e.Key));
        string path = await home.PathOfAsync("f", default);
        Assert.EndsWith($"/{sub}/f", path);
        await home.DeleteAsync("f");
        await home.DeleteAsync("");
    }

    [Fact]
    public async Task WrongHostKey_FailsClearlyWithAccessDenied()
    {
        string wrong = Path.Combine(_server.Directory, "wrong_known_hosts");
        string otherKey = (await File.ReadAllTextAsync(_server.IdentityFile + ".pub")).Trim(); // a key that is not the host's
        await File.WriteAllTextAsync(wrong, $"[127.0.0.1]:{_server.Port} {otherKey}\n");
        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse($"sftp://{_server.User}@127.0.0.1:{_server.Port}{_root}?identity={_server.IdentityFile}&known-hosts={wrong}"));

        var e = await Assert.ThrowsAnyAsync<StorageException>(() => storage.HeadAsync("x"));
        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Contains("known_hosts", e.Message);
        Assert.Contains("Host key verification failed", e.Message);
        Assert.Empty(storage.Channels);
    }

    [Fact]
    public async Task UnknownHost_NotInKnownHosts_RefusedUnderStrictChecking()
    {
        string empty = Path.Combine(_server.Directory, "empty_known_hosts");
        await File.WriteAllTextAsync(empty, "");
        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse($"sftp://{_server.User}@127.0.0.1:{_server.Port}{_root}?identity={_server.IdentityFile}&known-hosts={empty}"));
        var e = await Assert.ThrowsAnyAsync<StorageException>(() => storage.HeadAsync("x"));
        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Equal("", await File.ReadAllTextAsync(empty)); // nothing was accepted blindly
    }

    [Fact]
    public async Task WrongKey_AuthenticationRefused_AccessDenied()
    {
        string otherKey = Path.Combine(_server.Directory, "other_key");
        if (!File.Exists(otherKey))
        {
            using Process p = Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey])!;
            await p.WaitForExitAsync();
        }

        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse($"sftp://{_server.User}@127.0.0.1:{_server.Port}{_root}?identity={otherKey}&known-hosts={_server.KnownHostsFile}"));
        var e = await Assert.ThrowsAnyAsync<StorageException>(() => storage.HeadAsync("x"));
        Assert.Equal(StorageErrorKind.AccessDenied, e.Kind);
        Assert.Contains("Permission denied", e.Message);
    }

    [Fact]
    public async Task SilentServer_NoBanner_FailsTransientInsteadOfHanging()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        Task<System.Net.Sockets.TcpClient> accepted = listener.AcceptTcpClientAsync(); // accepts, never speaks
        var location = SftpLocation.Parse($"sftp://{_server.User}@127.0.0.1:{port}/x/?identity={_server.IdentityFile}&known-hosts={_server.KnownHostsFile}");
        await using var storage = new SftpStorage(location, new SftpStorageOptions { ConnectTimeoutSeconds = 1 });

        var e = await Assert.ThrowsAnyAsync<StorageException>(() => storage.HeadAsync("k"));
        Assert.True(e.IsTransient, e.Message);
        Assert.Contains("127.0.0.1", e.Message);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task SshdKilledMidTransfer_ClearTransientFailure_NoPartialObject()
    {
        await using SshdServer own = await SshdServer.StartAsync();
        string root = Path.Combine(own.DataDirectory, "kill");
        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse(own.UrlFor("kill/")));
        var gate = new GatedStream(new byte[8_000_000], releaseAfter: 3_000_000);
        Task put = storage.PutAsync("victim.bin", gate, 8_000_000, new PutOptions());
        await gate.Paused.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => Directory.Exists(root) && Directory.GetFiles(root, "victim.bin.tmp.*").Length == 1);

        own.KillProcesses();
        gate.Release.SetResult();
        var e = await Assert.ThrowsAnyAsync<StorageException>(() => put);
        Assert.Equal(StorageErrorKind.Transient, e.Kind);
        Assert.Contains("lost", e.Message);
        Assert.False(File.Exists(Path.Combine(root, "victim.bin")));

        var again = await Assert.ThrowsAnyAsync<StorageException>(() => storage.HeadAsync("victim.bin")); // server gone: reconnect fails
        Assert.True(again.IsTransient, again.Message);
    }

    [Fact]
    public async Task ReadWhileSessionKilled_FailsTransient()
    {
        await using SshdServer own = await SshdServer.StartAsync();
        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse(own.UrlFor()));
        await storage.PutAsync("r.bin", new MemoryStream(new byte[4_000_000]), 4_000_000, new PutOptions());
        await using Stream s = await storage.OpenReadAsync("r.bin");
        byte[] buffer = new byte[100_000];
        await s.ReadExactlyAsync(buffer);
        Assert.True(own.KillSessions() > 0);
        var e = await Assert.ThrowsAnyAsync<StorageException>(async () =>
        {
            while (await s.ReadAsync(buffer) > 0)
            {
            }
        });
        Assert.True(e.IsTransient, e.Message);
    }

    [Fact]
    public async Task Create_PasswordUrl_DisplayNameMasked()
    {
        await using SftpStorage storage = new SftpStorage(SftpLocation.Parse("\"bob:hunter2\"@h:/d"));
        Assert.DoesNotContain("hunter2", storage.DisplayName);
        Assert.Equal("sftp://bob:***@h/d", storage.DisplayName);
        Assert.Equal(StorageCapabilities.Directories | StorageCapabilities.Modes | StorageCapabilities.Symlinks | StorageCapabilities.ModifiedTimes, storage.Capabilities);
    }

    [Theory]
    [InlineData("sftp://bob@h/data/", "/data/", null)]
    [InlineData("sftp://bob@h/data/?identity=/i", "/data/", null)]
    [InlineData("sftp://bob@h/data/pre?identity=/i", "/data/", "pre")]
    [InlineData("bob@h:/data/", "/data/", null)]
    [InlineData("\"bob:pw\"@h:/data/file-prefix", "/data/", "file-prefix")]
    [InlineData("bob@h:", "", null)]
    public async Task Open_TrailingSlashRule_DirectoryOrPrefixView(string url, string root, string? prefix)
    {
        await using IObjectStorage storage = StorageFactory.Default.Create(url);
        Assert.Equal(prefix is null, StorageFactory.Default.NamesDirectory(url));
        SftpStorage sftp = prefix is null ? Assert.IsType<SftpStorage>(storage) : Assert.IsType<SftpStorage>(Assert.IsType<PrefixedStorage>(storage).Inner);
        Assert.Equal(root, sftp.Location.Path);
        if (prefix is not null)
        {
            Assert.Equal(prefix, ((PrefixedStorage)storage).Prefix);
        }

        Assert.DoesNotContain("pw", storage.DisplayName.Replace("pwd", ""));
    }

    private static List<string> ExpectedKeys(IEnumerable<string> files)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (string f in files)
        {
            keys.Add(f);
            for (int i = f.IndexOf('/'); i >= 0; i = f.IndexOf('/', i + 1))
            {
                keys.Add(f[..(i + 1)]);
            }
        }

        return keys.Order(KeyComparer.Utf8).ToList();
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using Process p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private Task<List<ObjectEntry>> ListAsync(ListOptions options) => ToListAsync(_storage.ListAsync(options));

    /// <summary>A fresh local directory for source files, removed with the test's remote directory.</summary>
    private string LocalDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ferry-sftp-src-" + _name);
        Directory.CreateDirectory(dir);
        _localDirectories.Add(dir);
        return dir;
    }

    private Task PutAsync(string key, string content, PutOptions options)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        return _storage.PutAsync(key, new MemoryStream(bytes), bytes.Length, options);
    }

    private async Task<string> ReadAsync(string key)
    {
        await using Stream s = await _storage.OpenReadAsync(key);
        return await new StreamReader(s).ReadToEndAsync();
    }
}
