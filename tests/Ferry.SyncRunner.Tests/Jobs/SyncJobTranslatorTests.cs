using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.S3;
using Ferry.SyncRunner.Storage.Sftp;
using Ferry.SyncRunner.Tests.Support;
using Ferry.Api.Sync;

namespace Ferry.SyncRunner.Tests.Jobs;

public class SyncJobTranslatorTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void ToOptions_DefaultedSpec_UsesTheApiDefaults()
    {
        SyncJobSpec spec = Spec();
        SchemaDefaults.Apply(spec);

        SyncOptions o = SyncJobTranslator.ToOptions(spec);

        Assert.Equal((10, 1, 1, -1L, 10_000, 8L << 30, -1L), (o.Threads, o.ListThreads, o.ListDepth, o.MaxFailures, o.TaskObjects, o.TaskBytes, o.Limit));
        Assert.False(o.DeleteDst || o.Update || o.DryRun || o.MatchFullPath);
        Assert.Null(o.MaxDelete);
        Assert.Equal(KeyRange.All, KeySelection.RangeOf(o));
    }

    [Fact]
    public void ToOptions_EveryField_MapsToTheJuicefsFlag()
    {
        SyncJobSpec spec = Spec();
        spec.Filters = [new FilterRuleSpec { Exclude = "*.tmp" }, new FilterRuleSpec { Include = "/train/**" }, new FilterRuleSpec { Exclude = "*" }];
        spec.MatchFullPath = true;
        spec.Update = true;
        spec.CheckNew = true;
        spec.DeleteSrcAfter = true;
        spec.DeleteDst = true;
        spec.Dirs = true;
        spec.MaxDelete = IntOrString.FromString("5%");
        spec.MinSize = IntOrString.FromInt(1);
        spec.MaxSize = IntOrString.FromString("4Gi");
        spec.MinAge = "1h30m";
        spec.Start = "b";
        spec.End = "m";
        spec.Threads = 16;
        spec.ListThreads = 4;
        spec.ListDepth = 2;
        spec.BwLimit = 800;
        spec.TaskObjects = 20_000;
        spec.TaskBytes = IntOrString.FromString("16Gi");
        spec.MaxFailures = 50;
        spec.Limit = 7;

        SyncOptions o = SyncJobTranslator.ToOptions(spec, ["a/", "b"]);

        Assert.Equal(new[] { new FilterRule(FilterAction.Exclude, "*.tmp"), new FilterRule(FilterAction.Include, "/train/**"), new FilterRule(FilterAction.Exclude, "*") }, o.Filters);
        Assert.True(o.MatchFullPath && o.Update && o.CheckNew && o.DeleteSrcAfter && o.DeleteDst && o.Dirs);
        Assert.False(o.DeleteSrc);
        Assert.Equal(("5%", 1L, 4L << 30, TimeSpan.FromMinutes(90)), (o.MaxDelete, o.MinSize, o.MaxSize, o.MinAge));
        Assert.Equal((16, 4, 2, 800.0, 20_000, 16L << 30, 50L, 7L), (o.Threads, o.ListThreads, o.ListDepth, o.BwLimit, o.TaskObjects, o.TaskBytes, o.MaxFailures, o.Limit));
        Assert.Equal(new[] { "a/", "b" }, o.FilesFrom);
        Assert.Equal(new KeyRange("b", "m\0"), KeySelection.RangeOf(o)); // a SyncJob's end is inclusive, as juicefs's --end
    }

    [Fact]
    public void CreateStorage_S3_CredentialsFromTheEnvironment_NeverDisplayed()
    {
        var env = new Dictionary<string, string>
        {
            ["FERRY_SOURCE_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
            ["FERRY_SOURCE_SECRET_ACCESS_KEY"] = Secret,
        };
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "my.data", Prefix = "imagenet/", Endpoint = "http://127.0.0.1:7480", Region = "eu-central-1" } };

        var s3 = Assert.IsType<S3Storage>(SyncJobTranslator.CreateStorage(endpoint, destination: false, env.GetValueOrDefault));

        Assert.Equal(("my.data", "imagenet/", "AKIDEXAMPLE", "eu-central-1"), (s3.Location.Bucket, s3.Location.Prefix, s3.Location.AccessKey, s3.Location.Region));
        Assert.Equal(new Uri("http://127.0.0.1:7480"), s3.Location.Endpoint);
        Assert.DoesNotContain(Secret, s3.DisplayName, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIDEXAMPLE", s3.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateStorage_S3StorageClass_AppliesToTheDestinationOnly()
    {
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "b", Region = "us-west-2", StorageClass = "STANDARD_IA" } };

        var destination = Assert.IsType<S3Storage>(SyncJobTranslator.CreateStorage(endpoint, destination: true, _ => null));
        var source = Assert.IsType<S3Storage>(SyncJobTranslator.CreateStorage(endpoint, destination: false, _ => null));

        Assert.Equal("STANDARD_IA", destination.Options.StorageClass);
        Assert.Null(source.Options.StorageClass);
    }

    [Fact]
    public void CreateStorage_S3WithoutSecretRef_UsesTheDefaultChain()
    {
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "b", Region = "us-west-2" } };

        var s3 = Assert.IsType<S3Storage>(SyncJobTranslator.CreateStorage(endpoint, destination: true, _ => null));

        Assert.Null(s3.Location.AccessKey);
        Assert.Equal(new Uri("https://s3.us-west-2.amazonaws.com"), s3.Location.Endpoint);
        Assert.Equal("", s3.Location.Prefix);
    }

    [Fact]
    public void CreateStorage_S3SessionToken_RefusedWithoutShowingIt()
    {
        var env = new Dictionary<string, string>
        {
            ["FERRY_DESTINATION_ACCESS_KEY_ID"] = "AKID",
            ["FERRY_DESTINATION_SECRET_ACCESS_KEY"] = Secret,
            ["FERRY_DESTINATION_SESSION_TOKEN"] = "TOKEN-VALUE",
        };
        var endpoint = new Endpoint { S3 = new S3Endpoint { Bucket = "b" } };

        var e = Assert.Throws<ArgumentException>(() => SyncJobTranslator.CreateStorage(endpoint, destination: true, env.GetValueOrDefault));

        Assert.DoesNotContain("TOKEN-VALUE", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateStorage_Volume_RootFromTheEnvironmentPlusPath()
    {
        using var root = new TempDirectory();
        root.Write("imagenet/train/x", "x");
        var env = new Dictionary<string, string> { ["FERRY_SOURCE_ROOT"] = root.Path, ["FERRY_DESTINATION_ROOT"] = root.Path };

        await using IObjectStorage source = SyncJobTranslator.CreateStorage(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "imagenet" } }, false, env.GetValueOrDefault);
        await using IObjectStorage destination = SyncJobTranslator.CreateStorage(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "copy/new" } }, true, env.GetValueOrDefault);

        Assert.NotNull(await source.HeadAsync("train/x"));
        Assert.True(Directory.Exists(root.Combine("copy/new")));
        Assert.Throws<ArgumentException>(() => SyncJobTranslator.CreateStorage(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data", Path = "missing" } }, false, env.GetValueOrDefault));
        Assert.Throws<ArgumentException>(() => SyncJobTranslator.CreateStorage(new Endpoint { Volume = new VolumeEndpoint { ClaimName = "data" } }, false, _ => root.Combine("not-mounted")));
    }

    [Fact]
    public async Task CreateStorage_Sftp_KeyAndKnownHostsFromTheSecretDirectory_PasswordFromTheEnvironment()
    {
        using var secret = new TempDirectory();
        secret.Write("privateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n-----END OPENSSH PRIVATE KEY-----\n");
        File.SetUnixFileMode(secret.Combine("privateKey"), UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        secret.Write("knownHosts", "[127.0.0.1]:2222 ssh-ed25519 AAAA\n");
        var env = new Dictionary<string, string> { ["FERRY_DESTINATION_SFTP_SECRET_DIR"] = secret.Path, ["FERRY_DESTINATION_SFTP_PASSWORD"] = "hunter2" };
        var endpoint = new Endpoint
        {
            Sftp = new SftpEndpoint { Host = "127.0.0.1", Port = 2222, User = "ferry", Path = "/srv/backup", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "s" } },
        };

        await using var sftp = Assert.IsType<SftpStorage>(SyncJobTranslator.CreateStorage(endpoint, true, env.GetValueOrDefault));

        Assert.Equal(("127.0.0.1", 2222, "ferry", "/srv/backup/", "hunter2"), (sftp.Location.Host, sftp.Location.Port, sftp.Location.User, sftp.Location.Path, sftp.Location.Password));
        Assert.Equal(secret.Combine("knownHosts"), sftp.Location.KnownHostsFile);
        // The key was readable by others, which ssh refuses: a private copy is used.
        Assert.NotEqual(secret.Combine("privateKey"), sftp.Location.IdentityFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sftp.Location.IdentityFile!));
        Assert.Equal(File.ReadAllText(secret.Combine("privateKey")), File.ReadAllText(sftp.Location.IdentityFile!));
        Assert.DoesNotContain("hunter2", sftp.DisplayName, StringComparison.Ordinal);
        File.Delete(sftp.Location.IdentityFile!);
    }

    [Fact]
    public void CreateStorage_SftpWithoutKeyOrPassword_Refused()
    {
        var endpoint = new Endpoint { Sftp = new SftpEndpoint { Host = "h", User = "u", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "missing-keys" } } };

        var e = Assert.Throws<ArgumentException>(() => SyncJobTranslator.CreateStorage(endpoint, false, _ => null));

        Assert.Contains("missing-keys", e.Message, StringComparison.Ordinal);
    }

    private static SyncJobSpec Spec() => new()
    {
        Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "a" } },
        Destination = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "b" } },
    };
}
