using Ferry.Api.Endpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Storage.S3;
using Ferry.SyncRunner.Storage.Sftp;

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
        Assert.Equal(scheme, StorageFactory.Default.SchemeOf(location));

    [Theory]
    [InlineData("/a/", "/b")]
    [InlineData("/a", "/b/")]
    [InlineData("s3://b/p/?endpoint=http://h:1", "/b")]
    [InlineData("/a/?x", "s3://b/p/?endpoint=http://h:1")] // a local '?' is part of the name; an S3 query is not part of the path
    public void CheckTrailingSlashes_Mismatch_Throws(string src, string dst)
    {
        var e = Assert.Throws<ArgumentException>(() => StorageFactory.Default.CheckTrailingSlashes(src, dst));
        Assert.Equal("SRC and DST must both end with '/' or neither (a trailing '/' names a directory, none a key prefix)", e.Message);
    }

    [Fact]
    public void Default_RegistersEveryBuiltInBackend_ThroughItsOwnAttribute()
    {
        Assert.Equal(
            [typeof(LocalStorageProvider), typeof(S3StorageProvider), typeof(SftpStorageProvider)],
            StorageFactory.Default.Providers.Select(p => p.GetType()));
    }

    [Fact]
    public void Create_UnknownScheme_NamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => StorageFactory.Default.Create("gs://bucket/x/"));
        Assert.Equal("no storage backend for 'gs://' (known: file, minio, s3, sftp)", e.Message);
    }

    [Fact]
    public void Create_DispatchesBySchemeAndWithoutScheme_ToTheProviderThatServesIt()
    {
        var fake = new FakeProvider();
        var factory = new StorageFactory([new LocalStorageProvider(), fake]);

        var dir = Assert.IsType<FileStorage>(factory.Create("/srv/data/"));
        var prefix = Assert.IsType<PrefixedStorage>(factory.Create("file:///srv/data"));
        IObjectStorage viaScheme = factory.Create("FAKE://bucket/x/");
        IObjectStorage withoutScheme = factory.Create("host:x/");

        Assert.Equal("/srv/data", dir.Root);
        Assert.Equal("data", prefix.Prefix);
        Assert.Equal(["FAKE://bucket/x/", "host:x/"], fake.Created);
        Assert.Equal("memory://", viaScheme.DisplayName);
        Assert.Equal("memory://", withoutScheme.DisplayName);
        Assert.Equal("no storage backend for 'sftp://' (known: fake, file)", Assert.Throws<ArgumentException>(() => factory.Create("sftp://host/x/")).Message);
    }

    [Fact]
    public void Constructor_SchemeClaimedTwice_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new StorageFactory([new FakeProvider(), new FakeProvider()]));
        Assert.Contains("'fake'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateEndpoint_NoKindSet_NamesEveryKindTheBackendsServe()
    {
        var e = Assert.Throws<ArgumentException>(() => StorageFactory.Default.Create(new Endpoint(), new SyncJobSide(true, _ => null)));
        Assert.Equal("the destination endpoint names none of volume, s3, sftp", e.Message);
        Assert.Equal("(none)", StorageFactory.Default.Describe(new Endpoint()));
    }

    [Fact]
    public void Describe_EachKind_WithoutCredentials()
    {
        Assert.Equal("s3://b/p/", StorageFactory.Default.Describe(new Endpoint { S3 = new S3Endpoint { Bucket = "b", Prefix = "p/" } }));
        Assert.Equal("volume://claim/sub", StorageFactory.Default.Describe(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "claim", Path = "sub" } }));
        Assert.Equal("sftp://u@h:22/p", StorageFactory.Default.Describe(new Endpoint
        {
            Sftp = new SftpEndpoint { Host = "h", User = "u", Path = "p", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "s" } },
        }));
    }

    /// <summary>A backend for <c>fake://</c> and every location with a <c>:</c> but no scheme.</summary>
    private sealed class FakeProvider() : StorageProvider(["fake"], "fake")
    {
        public List<string> Created { get; } = [];

        public override bool ServesWithoutScheme(string location) => location.Contains(':');

        public override IObjectStorage Create(string location)
        {
            Created.Add(location);
            return new Support.MemoryStorage();
        }

        public override bool Serves(Endpoint endpoint) => false;

        public override IObjectStorage Create(Endpoint endpoint, SyncJobSide side) => throw new NotSupportedException();

        public override string Describe(Endpoint endpoint) => throw new NotSupportedException();
    }
}
