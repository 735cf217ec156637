using Ferry.Kube.Config;
using Ferry.Kube.Tests.TestSupport;

namespace Ferry.Kube.Tests.Config;

public sealed class InClusterConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs = new();

    public void Dispose()
    {
        _dir.Dispose();
        _certs.Dispose();
    }

    [Fact]
    public async Task Load_ServiceAccountFiles_ServerCaNamespaceAndRotatingToken()
    {
        var time = new FakeTimeProvider();
        var tokenPath = _dir.Write("token", "sa-token-1");
        _dir.Write("ca.crt", _certs.CaPem);
        _dir.Write("namespace", "ferry-system\n");

        var config = InClusterConfig.Load(new InClusterOptions
        {
            ServiceAccountDirectory = _dir.Path,
            Host = "10.96.0.1",
            Port = "443",
            TimeProvider = time,
        });

        Assert.Equal(new Uri("https://10.96.0.1:443"), config.Server);
        Assert.Equal("ferry-system", config.Namespace);
        Assert.Equal(_certs.Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.False(config.InsecureSkipTlsVerify);
        Assert.Equal("sa-token-1", await config.Token!.GetTokenAsync(default));

        File.WriteAllText(tokenPath, "sa-token-2");
        Assert.Equal("sa-token-1", await config.Token.GetTokenAsync(default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("sa-token-2", await config.Token.GetTokenAsync(default));
    }

    [Fact]
    public void Load_Ipv6HostAndNoNamespaceFile_BracketsHostAndUsesDefault()
    {
        _dir.Write("token", "t");
        _dir.Write("ca.crt", _certs.CaPem);

        var config = InClusterConfig.Load(new InClusterOptions { ServiceAccountDirectory = _dir.Path, Host = "fd00::1", Port = "6443" });

        Assert.Equal("[fd00::1]", config.Server.Host);
        Assert.Equal(6443, config.Server.Port);
        Assert.Equal("default", config.Namespace);
    }

    [Fact]
    public void Load_NoCaCertificate_Throws()
    {
        _dir.Write("token", "t");
        var e = Assert.Throws<KubeConfigException>(() =>
            InClusterConfig.Load(new InClusterOptions { ServiceAccountDirectory = _dir.Path, Host = "h", Port = "1" }));
        Assert.Contains("ca.crt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoToken_Throws()
    {
        _dir.Write("ca.crt", _certs.CaPem);
        var e = Assert.Throws<KubeConfigException>(() =>
            InClusterConfig.Load(new InClusterOptions { ServiceAccountDirectory = _dir.Path, Host = "h", Port = "1" }));
        Assert.Contains("token", e.Message, StringComparison.Ordinal);
    }
}
