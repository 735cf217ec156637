using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Tests.Storage;

public class StorageFactoryTests
{
    [Theory]
    [InlineData("/data/", "file")]
    [InlineData("relative/dir", "file")]
    [InlineData("file:///data/", "file")]
    [InlineData("s3://bucket/prefix/", "s3")]
    [InlineData("MINIO://host/bucket", "minio")]
    [InlineData("user@host:/backup/", "sftp")]
    [InlineData("sftp://user@host/backup/", "sftp")]
    public void SchemeOf_Location_FollowsJuicefsRules(string location, string scheme) =>
        Assert.Equal(scheme, StorageFactory.SchemeOf(location));

    [Theory]
    [InlineData("/a/", "/b")]
    [InlineData("/a", "/b/")]
    public void CheckTrailingSlashes_Mismatch_Throws(string src, string dst) =>
        Assert.Throws<ArgumentException>(() => StorageFactory.CheckTrailingSlashes(src, dst));

    [Fact]
    public void Create_DirectoryAndPrefix_AndRegisteredScheme()
    {
        var factory = new StorageFactory();
        IObjectStorage? made = null;
        factory.Register("s3", location => made = new FileStorage("/tmp/fake-" + location.Length));

        var dir = Assert.IsType<FileStorage>(factory.Create("/srv/data/"));
        var prefix = Assert.IsType<PrefixedStorage>(factory.Create("file:///srv/data"));
        IObjectStorage s3 = factory.Create("s3://bucket/x/");

        Assert.Equal("/srv/data", dir.Root);
        Assert.Equal("data", prefix.Prefix);
        Assert.Same(made, s3);
        Assert.Throws<ArgumentException>(() => factory.Create("sftp://host/x/"));
    }
}
