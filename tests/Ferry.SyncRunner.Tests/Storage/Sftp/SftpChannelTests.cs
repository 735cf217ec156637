using System.Text;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Sftp;
using Ferry.Testing.Sshd;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

[Collection(SshdCollection.Name)]
public sealed class SftpChannelTests(SshdFixture sshd) : IAsyncLifetime
{
    private readonly SshdServer _server = sshd.Server;
    private SftpStorage _storage = null!;
    private SftpChannel _channel = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _dir = Path.Combine(_server.DataDirectory, "chan-" + Guid.NewGuid().ToString("N")[..8]);
        _storage = new SftpStorage(SftpLocation.Parse(_server.UrlFor()));
        _channel = await _storage.ConnectAsync(CancellationToken.None);
        await _channel.MkDirAsync(_dir, SftpAttributes.Empty, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _storage.DisposeAsync();
    }

    [Fact]
    public void Handshake_OpenSsh_NegotiatesVersion3WithPosixRename()
    {
        Assert.Equal(3u, _channel.ServerVersion);
        Assert.True(_channel.HasPosixRename);
        Assert.True(_channel.MaxReadLength >= 64 * 1024, $"max read {_channel.MaxReadLength}"); // limits@openssh.com
        Assert.True(_channel.MaxWriteLength >= 64 * 1024, $"max write {_channel.MaxWriteLength}");
        Assert.True(_channel.IsAlive);
    }

    [Fact]
    public async Task OpenWriteReadClose_RoundTripsBytesAtOffsets()
    {
        string path = _dir + "/f.bin";
        byte[] handle = await _channel.OpenAsync(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpAttributes.Empty, default);
        using (SftpWriteWindow window = _channel.CreateWriteWindow(maxDepth: 4, sessionBudget: 4))
        {
            foreach ((ulong offset, string text) in new[] { (5ul, "world"), (0ul, "hello") })
            {
                await window.AcquireAsync(default);
                SftpWriteRequest write = _channel.BeginWrite(handle, offset, text.Length);
                _channel.PostWrite(write, Encoding.ASCII.GetBytes(text, write.Data.Span), window);
            }

            Assert.Null(await window.DrainAsync());
        }

        SftpAttributes open = await _channel.FStatAsync(handle, default);
        await _channel.CloseAsync(handle, default);
        Assert.Equal(10ul, open.Size);

        byte[] read = await _channel.OpenAsync(path, SftpOpenFlags.Read, SftpAttributes.Empty, default);
        using (SftpData? data = await _channel.ReadAsync(read, 3, 100, default))
        {
            Assert.NotNull(data);
            Assert.Equal("loworld", Encoding.ASCII.GetString(data!.Span));
        }

        Assert.Null(await _channel.ReadAsync(read, 10, 100, default)); // SSH_FX_EOF
        await _channel.CloseAsync(read, default);
        Assert.Equal("helloworld", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task StatLStatSetStat_ReportAndChangeModeAndTimes()
    {
        string path = _dir + "/s.txt";
        await File.WriteAllTextAsync(path, "abc");
        await _server.GiveToUserAsync(path);
        var mtime = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);
        await _channel.SetStatAsync(path, SftpAttributes.For(0x1ED /* 0755 */, mtime), default);

        SftpAttributes stat = await _channel.StatAsync(path, default);
        Assert.True(stat.IsRegularFile);
        Assert.Equal(3ul, stat.Size);
        Assert.Equal(0x1ED, stat.Mode);
        Assert.Equal(mtime, stat.ModifiedTimeOffset);
        Assert.Equal(mtime, new DateTimeOffset(File.GetLastWriteTimeUtc(path)));

        byte[] handle = await _channel.OpenAsync(path, SftpOpenFlags.Write, SftpAttributes.Empty, default);
        using (SftpWriteWindow window = _channel.CreateWriteWindow(maxDepth: 4, sessionBudget: 4))
        {
            _channel.PostFinish(handle, SftpAttributes.For(0x180 /* 0600 */, null), window); // FSETSTAT, CLOSE
            Assert.Null(await window.DrainAsync());
        }

        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(path));

        await _channel.SymlinkAsync(_dir + "/link", "s.txt", default);
        Assert.True((await _channel.LStatAsync(_dir + "/link", default)).IsSymlink);
        Assert.True((await _channel.StatAsync(_dir + "/link", default)).IsRegularFile);
    }

    [Fact]
    public async Task Symlink_UsesOpenSshArgumentOrder_ReadLinkReturnsTarget()
    {
        await _channel.SymlinkAsync(_dir + "/ln", "../some/target with space", default);
        Assert.Equal("../some/target with space", await _channel.ReadLinkAsync(_dir + "/ln", default));
        Assert.Equal("../some/target with space", new FileInfo(_dir + "/ln").LinkTarget);
    }

    [Fact]
    public async Task MkDirReadDirRmDir_ListsEntriesAndRemoves()
    {
        await _channel.MkDirAsync(_dir + "/d", SftpAttributes.Empty, default);
        foreach (string name in new[] { "a", "b c", "é" })
        {
            byte[] h = await _channel.OpenAsync(_dir + "/d/" + name, SftpOpenFlags.Write | SftpOpenFlags.Create, SftpAttributes.Empty, default);
            await _channel.CloseAsync(h, default);
        }

        List<SftpName> names = await _channel.ReadWholeDirectoryAsync(_dir + "/d", default);
        Assert.Equal(["a", "b c", "é"], names.Select(n => n.FileName).Order(StringComparer.Ordinal));

        var notEmpty = await Assert.ThrowsAsync<SftpStatusException>(() => _channel.RmDirAsync(_dir + "/d", default));
        Assert.Equal(SftpStatusCode.Failure, notEmpty.Status);
        foreach (SftpName n in names)
        {
            await _channel.RemoveAsync(_dir + "/d/" + n.FileName, default);
        }

        await _channel.RmDirAsync(_dir + "/d", default);
        Assert.False(Directory.Exists(_dir + "/d"));
    }

    [Fact]
    public async Task Rename_PosixRenameReplacesExistingTarget_PlainRenameRefuses()
    {
        await File.WriteAllTextAsync(_dir + "/old", "new content");
        await File.WriteAllTextAsync(_dir + "/target", "old content");
        await _server.GiveToUserAsync(_dir);

        await Assert.ThrowsAsync<SftpStatusException>(() => _channel.RenameAsync(_dir + "/old", _dir + "/target", replace: false, default));
        await _channel.RenameAsync(_dir + "/old", _dir + "/target", replace: true, default);

        Assert.Equal("new content", await File.ReadAllTextAsync(_dir + "/target"));
        Assert.False(File.Exists(_dir + "/old"));
    }

    [Fact]
    public async Task RealPath_ResolvesDotsAndHome()
    {
        Assert.Equal(_dir, await _channel.RealPathAsync(_dir + "/./../" + Path.GetFileName(_dir), default));
        await Assert.ThrowsAsync<SftpStatusException>(() => _channel.RealPathAsync(_dir + "/missing/..", default)); // OpenSSH resolves with realpath(3)
        string home = await _channel.RealPathAsync(".", default);
        Assert.StartsWith("/", home);
    }

    [Fact]
    public async Task Status_MissingPath_IsNotFound_ForbiddenPath_IsAccessDenied()
    {
        var missing = await Assert.ThrowsAsync<SftpStatusException>(() => _channel.StatAsync(_dir + "/nope", default));
        Assert.Equal(SftpStatusCode.NoSuchFile, missing.Status);
        Assert.Equal(StorageErrorKind.NotFound, missing.Kind);
        Assert.Contains("nope", missing.Message);

        string secret = Path.Combine(_server.Directory, "root-only");
        await File.WriteAllTextAsync(secret, "x");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (_server.User == SshdServer.DedicatedUser)
        {
            var denied = await Assert.ThrowsAsync<SftpStatusException>(() => _channel.OpenAsync(secret, SftpOpenFlags.Read, SftpAttributes.Empty, default));
            Assert.Equal(StorageErrorKind.AccessDenied, denied.Kind);
        }
        else
        {
            File.SetUnixFileMode(secret, UnixFileMode.None);
            var denied = await Assert.ThrowsAsync<SftpStatusException>(() => _channel.OpenAsync(secret, SftpOpenFlags.Read, SftpAttributes.Empty, default));
            Assert.Equal(StorageErrorKind.AccessDenied, denied.Kind);
        }
    }

    [Fact]
    public async Task Requests_ManyInFlightFromManyThreads_AllAnsweredToTheirCaller()
    {
        for (int i = 0; i < 20; i++)
        {
            await File.WriteAllTextAsync($"{_dir}/n{i}", new string('x', i));
        }

        var tasks = Enumerable.Range(0, 200).Select(i => Task.Run(() => _channel.StatAsync($"{_dir}/n{i % 20}", default))).ToArray();
        SftpAttributes[] results = await Task.WhenAll(tasks);
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal((ulong)(i % 20), results[i].Size);
        }

        Assert.True(_channel.MaxInFlightObserved > 1, $"max in flight {_channel.MaxInFlightObserved}");
    }

    [Fact]
    public async Task BeginWritePostWrite_DataFilledInPlace_LandsAtOffsetsWithCommittedLength()
    {
        string path = _dir + "/inplace.bin";
        byte[] handle = await _channel.OpenAsync(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpAttributes.Empty, default);
        using SftpWriteWindow window = _channel.CreateWriteWindow(maxDepth: 4, sessionBudget: 4);
        foreach ((ulong offset, string text) in new[] { (0ul, "abcdef"), (6ul, "ghij") })
        {
            await window.AcquireAsync(default);
            SftpWriteRequest write = _channel.BeginWrite(handle, offset, 100);
            Assert.Equal(100, write.Data.Length);
            int n = Encoding.ASCII.GetBytes(text, write.Data.Span);
            _channel.PostWrite(write, n, window); // only the first n of the 100 reserved bytes are sent
        }

        Assert.Null(await window.DrainAsync());
        await _channel.CloseAsync(handle, default);
        Assert.Equal("abcdefghij", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task PostFinish_AfterWrites_SetsModeAndTimesAndClosesInOneDrain()
    {
        string path = _dir + "/finished.bin";
        var mtime = new DateTimeOffset(2019, 6, 7, 8, 9, 10, TimeSpan.Zero);
        byte[] handle = await _channel.OpenAsync(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpAttributes.Empty, default);
        using SftpWriteWindow window = _channel.CreateWriteWindow(maxDepth: 4, sessionBudget: 4);
        await window.AcquireAsync(default);
        SftpWriteRequest write = _channel.BeginWrite(handle, 0, 16);
        _channel.PostWrite(write, Encoding.ASCII.GetBytes("abc", write.Data.Span), window);
        _channel.PostFinish(handle, SftpAttributes.For(0x180 /* 0600 */, mtime), window);

        Assert.Null(await window.DrainAsync());
        Assert.Equal(0, window.InFlight);
        Assert.Equal("abc", await File.ReadAllTextAsync(path));
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(path));
        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(path));
        await Assert.ThrowsAsync<SftpStatusException>(() => _channel.CloseAsync(handle, default)); // closed already
    }

    [Fact]
    public async Task PostWrite_ServerRefuses_WindowReportsTheStatusError()
    {
        string path = _dir + "/readonly.bin";
        await File.WriteAllTextAsync(path, "x");
        await _server.GiveToUserAsync(path);
        byte[] handle = await _channel.OpenAsync(path, SftpOpenFlags.Read, SftpAttributes.Empty, default); // not open for writing
        using SftpWriteWindow window = _channel.CreateWriteWindow(maxDepth: 4, sessionBudget: 4);
        await window.AcquireAsync(default);
        SftpWriteRequest write = _channel.BeginWrite(handle, 0, 8);
        _channel.PostWrite(write, 3, window);

        Exception? failed = await window.DrainAsync();
        await _channel.CloseAsync(handle, default);
        var status = Assert.IsType<SftpStatusException>(failed);
        Assert.Contains("write", status.Message, StringComparison.Ordinal);
        Assert.Equal("x", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public void CreateWriteWindow_FilesShareTheSessionBudget()
    {
        using SftpWriteWindow first = _channel.CreateWriteWindow(maxDepth: 64, sessionBudget: 32);
        Assert.All(Enumerable.Range(0, 32), _ => Assert.True(first.AcquireAsync(default).IsCompletedSuccessfully));
        Assert.False(first.AcquireAsync(default).IsCompleted); // alone: the whole budget of 32

        using SftpWriteWindow second = _channel.CreateWriteWindow(maxDepth: 64, sessionBudget: 32);
        Assert.All(Enumerable.Range(0, 16), _ => Assert.True(second.AcquireAsync(default).IsCompletedSuccessfully));
        Assert.False(second.AcquireAsync(default).IsCompleted); // two files: 16 each
    }

    [Fact]
    public async Task ConnectionLoss_PendingAndLaterRequests_FailTransient()
    {
        SftpChannel channel = await _storage.ConnectAsync(default);
        using (var ssh = System.Diagnostics.Process.GetProcessById(channel.ProcessId))
        {
            ssh.Kill();
            ssh.WaitForExit();
        }

        var error = await Assert.ThrowsAnyAsync<StorageException>(() => channel.StatAsync(_dir, default));
        Assert.Equal(StorageErrorKind.Transient, error.Kind);
        Assert.False(channel.IsAlive);
        await channel.DisposeAsync();
    }
}
