using Ferry.Kube.Config;
using Ferry.Kube.Tests.TestSupport;

namespace Ferry.Kube.Tests.Config;

public sealed class FileTokenSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task GetToken_FileRotated_NewTokenOnlyAfterRefreshInterval()
    {
        var time = new FakeTimeProvider();
        var path = _dir.Write("token", "token-1\n");
        var source = new FileTokenSource(path, TimeSpan.FromMinutes(1), time);

        Assert.Equal("token-1", await source.GetTokenAsync(default));
        File.WriteAllText(path, "token-2");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("token-1", await source.GetTokenAsync(default));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("token-2", await source.GetTokenAsync(default));
    }

    [Fact]
    public async Task GetToken_FileBrieflyMissingAfterFirstRead_KeepsLastGoodToken()
    {
        var time = new FakeTimeProvider();
        var path = _dir.Write("token", "token-1");
        var source = new FileTokenSource(path, TimeSpan.FromMinutes(1), time);
        Assert.Equal("token-1", await source.GetTokenAsync(default));

        File.Delete(path);
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("token-1", await source.GetTokenAsync(default));

        File.WriteAllText(path, "token-3");
        Assert.Equal("token-3", await source.GetTokenAsync(default));
    }

    [Fact]
    public async Task GetToken_MissingOnFirstRead_Throws()
    {
        var source = new FileTokenSource(Path.Combine(_dir.Path, "absent"), timeProvider: new FakeTimeProvider());
        await Assert.ThrowsAnyAsync<IOException>(async () => await source.GetTokenAsync(default));
    }
}
