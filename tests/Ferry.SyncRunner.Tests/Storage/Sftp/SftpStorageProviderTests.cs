using Ferry.Api.Endpoints;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public class SftpStorageProviderTests
{
    private readonly SftpStorageProvider _provider = new();

    [Theory]
    [InlineData("bob@h:/data/", true)]
    [InlineData("bob@h:", true)] // the home directory
    [InlineData("sftp://bob@h/data/?identity=/i", true)]
    [InlineData("sftp://bob@h/data/pre?identity=/i", false)]
    [InlineData("\"bob:pw\"@h:/data/file-prefix", false)]
    public void NamesDirectory_AsTheLocationParses(string url, bool directory) =>
        Assert.Equal(directory, _provider.NamesDirectory(url));

    [Fact]
    public void ServesWithoutScheme_OnlyHostColonPath() =>
        Assert.Equal((true, false), (_provider.ServesWithoutScheme("backup-host:/srv/"), _provider.ServesWithoutScheme("/srv/")));

    [Fact]
    public void CreateUrl_NotSftp_FormatErrorWithoutThePassword()
    {
        var e = Assert.Throws<FormatException>(() => _provider.Create("sftp://bob:hunter2@h:99999/d/"));
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        Assert.Equal("SFTP location: the port must be a number from 1 to 65535.", e.Message);
    }

    [Fact]
    public async Task CreateEndpoint_PathMadeADirectory_PasswordFromTheEnvironment()
    {
        var endpoint = new Endpoint
        {
            Sftp = new SftpEndpoint { Host = "h", User = "u", Path = "backup", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "s" } },
        };

        await using var sftp = Assert.IsType<SftpStorage>(_provider.Create(endpoint, new SyncJobSide(false, n => n == "FERRY_SOURCE_SFTP_PASSWORD" ? "pw" : null)));

        Assert.Equal(("backup/", "pw", null), (sftp.Location.Path, sftp.Location.Password, sftp.Location.IdentityFile));
    }

    [Fact]
    public void CreateEndpoint_NoKeyNorPassword_NamesTheSecret()
    {
        var endpoint = new Endpoint { Sftp = new SftpEndpoint { Host = "h", User = "u", CredentialsSecretRef = new SftpCredentialsSecretRef { Name = "missing-keys" } } };

        var e = Assert.Throws<ArgumentException>(() => _provider.Create(endpoint, new SyncJobSide(false, _ => null)));

        Assert.Equal("the source SFTP Secret missing-keys gives neither a private key nor a password", e.Message);
    }
}
