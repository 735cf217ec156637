using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public sealed class SftpLocationTests
{
    [Theory]
    [InlineData("sftp://bob@example.com/data/x/", "example.com", null, "bob", null, "/data/x/")]
    [InlineData("sftp://bob@example.com:2222/data", "example.com", 2222, "bob", null, "/data")]
    [InlineData("sftp://example.com/", "example.com", null, null, null, "/")]
    [InlineData("sftp://bob:p%40ss%3Aw@h/d", "h", null, "bob", "p@ss:w", "/d")]
    [InlineData("sftp://bob@h/~/backup/", "h", null, "bob", null, "backup/")]
    [InlineData("sftp://bob@h", "h", null, "bob", null, "")]
    [InlineData("sftp://bob@[::1]:22/d%20e", "::1", 22, "bob", null, "/d e")]
    [InlineData("username@192.168.1.100:/backup/", "192.168.1.100", null, "username", null, "/backup/")]
    [InlineData("\"username:pa:ss@w\"@192.168.1.100:/backup/", "192.168.1.100", null, "username", "pa:ss@w", "/backup/")]
    [InlineData("username:password@host:/backup/", "host", null, "username", "password", "/backup/")]
    [InlineData("root@src:data", "src", null, "root", null, "data")]
    [InlineData("bob@host:2200:/srv/a:b", "host", 2200, "bob", null, "/srv/a:b")]
    public void Parse_BothForms_ExtractsParts(string url, string host, int? port, string? user, string? password, string path)
    {
        var location = SftpLocation.Parse(url);
        Assert.Equal(host, location.Host);
        Assert.Equal(port, location.Port);
        Assert.Equal(user, location.User);
        Assert.Equal(password, location.Password);
        Assert.Equal(path, location.Path);
        Assert.True(SftpLocation.IsSftp(url));
    }

    [Fact]
    public void Parse_ScpFormWithoutUser_UsesSshDefaultUser()
    {
        var location = SftpLocation.Parse("backup-host:/srv/");
        Assert.Null(location.User);
        Assert.Equal("backup-host", location.Host);
        Assert.Equal("/srv/", location.Path);
        Assert.False(SftpLocation.IsSftp("backup-host:/srv/")); // only the factory's scheme rule sends it here
    }

    [Fact]
    public void Parse_QueryOverrides_SetIdentityAndKnownHosts()
    {
        var a = SftpLocation.Parse("sftp://u@h:2022/d?identity=%2Fk%2Fid&known-hosts=/k/kh");
        Assert.Equal("/k/id", a.IdentityFile);
        Assert.Equal("/k/kh", a.KnownHostsFile);

        var b = SftpLocation.Parse("u@h:/d?known-hosts=/k/kh");
        Assert.Equal("/d", b.Path);
        Assert.Equal("/k/kh", b.KnownHostsFile);

        var c = SftpLocation.Parse("u@h:/what?not=mine");
        Assert.Equal("/what?not=mine", c.Path); // an unknown query in the juicefs form is part of the path
    }

    [Theory]
    [InlineData("sftp://u@h/d?bogus=1")]
    [InlineData("sftp://u@h:99999/d")]
    [InlineData("sftp://u@:22/d")]
    [InlineData("/local/dir/")]
    [InlineData("s3://bucket/prefix")]
    public void Parse_Invalid_Throws(string url) => Assert.Throws<FormatException>(() => SftpLocation.Parse(url));

    [Theory]
    [InlineData("/media/")]
    [InlineData("file:///media/")]
    [InlineData("s3://a:b@bucket/p")]
    [InlineData("relative/dir")]
    [InlineData("C:/x")]
    public void IsSftp_OtherLocations_False(string url) => Assert.False(SftpLocation.IsSftp(url));

    [Theory]
    [InlineData("sftp://bob:hunter2@h:22/d", "sftp://bob:***@h:22/d")]
    [InlineData("\"bob:hunter2\"@h:/d", "sftp://bob:***@h/d")]
    [InlineData("bob@h:rel", "sftp://bob@h/~/rel")]
    public void DisplayName_MasksPassword(string url, string display)
    {
        var location = SftpLocation.Parse(url);
        Assert.Equal(display, location.DisplayName);
        Assert.DoesNotContain("hunter2", location.ToString());
    }

    [Fact]
    public void DisplayName_RoundTripsThroughParse()
    {
        var location = SftpLocation.Parse("sftp://bob@h:2/a%20b/?identity=/i&known-hosts=/k");
        Assert.Equal(location with { IdentityFile = null, KnownHostsFile = null }, SftpLocation.Parse(location.DisplayName));
        Assert.Equal("sftp://bob@h:2/a b/", location.DisplayName);
    }
}
