using Ferry.Api.Endpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;

namespace Ferry.SyncRunner.Tests.Storage.Local;

public class LocalStorageProviderTests
{
    private readonly LocalStorageProvider _provider = new();

    [Theory]
    [InlineData("/srv/data/", "/srv/data/")]
    [InlineData("/srv/data", "/srv/data")]
    [InlineData("file:///srv/a%20b/", "/srv/a b/")]
    [InlineData("FILE:///srv/x", "/srv/x")]
    [InlineData("file://", "/")]
    [InlineData("s3://bucket/x/", null)]
    [InlineData("host:/srv/", null)]
    public void LocalPathOf_LocalLocations_OnlyThem(string location, string? path) =>
        Assert.Equal(path, LocalStorageProvider.LocalPathOf(location));

    [Fact]
    public async Task Create_TrailingSlashRule_DirectoryOrPrefixInItsParent()
    {
        using var root = new TempDirectory();
        root.Write("test/x", "x");

        await using IObjectStorage directory = _provider.Create(root.Path + "/");
        await using IObjectStorage prefix = _provider.Create(root.Combine("te"));

        Assert.True(_provider.NamesDirectory(root.Path + "/"));
        Assert.False(_provider.NamesDirectory(root.Combine("te")));
        Assert.NotNull(await directory.HeadAsync("test/x"));
        Assert.NotNull(await prefix.HeadAsync("st/x")); // juicefs: ./te names the keys that start with "te"
    }

    [Fact]
    public void CreateEndpoint_NotMountedOrMissingPath_SaysWhich()
    {
        using var root = new TempDirectory();
        var side = new SyncJobSide(false, name => name == "FERRY_SOURCE_ROOT" ? root.Path : null);
        var notMounted = new SyncJobSide(false, _ => root.Combine("not-mounted"));

        var missing = Assert.Throws<ArgumentException>(() => _provider.Create(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "gone" } }, side));
        var unmounted = Assert.Throws<ArgumentException>(() => _provider.Create(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data" } }, notMounted));

        Assert.Equal("the source path 'gone' does not exist in volume data", missing.Message);
        Assert.Equal($"the source volume data is not mounted at {root.Combine("not-mounted")}", unmounted.Message);
    }
}
