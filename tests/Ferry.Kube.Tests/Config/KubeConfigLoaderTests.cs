using System.Text;
using Ferry.Kube.Config;
using Ferry.Kube.Tests.TestSupport;

namespace Ferry.Kube.Tests.Config;

public sealed class KubeConfigLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestCertificates _certs = new();

    public void Dispose()
    {
        _dir.Dispose();
        _certs.Dispose();
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Load_TwoFiles_FirstDefinitionAndFirstCurrentContextWin()
    {
        var first = _dir.Write("a/config", """
            apiVersion: v1
            kind: Config
            current-context: dev
            clusters:
            - name: dev-cluster
              cluster:
                server: https://first.example:6443
            users:
            - name: dev-user
              user:
                token: first-token
            contexts:
            - name: dev
              context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
            """);
        var second = _dir.Write("b/config", """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: dev-cluster
              cluster:
                server: https://second.example:6443
            - name: prod-cluster
              cluster:
                server: https://prod.example
            users:
            - name: dev-user
              user:
                token: second-token
            - name: prod-user
              user:
                token: prod-token
            contexts:
            - name: prod
              context: {cluster: prod-cluster, user: prod-user}
            """);

        var config = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [first, Path.Combine(_dir.Path, "missing"), second] });

        Assert.Equal(new Uri("https://first.example:6443"), config.Server);
        Assert.Equal("team-a", config.Namespace);
        Assert.Equal("first-token", await config.Token!.GetTokenAsync(default));

        var prod = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [first, second], Context = "prod" });
        Assert.Equal(new Uri("https://prod.example"), prod.Server);
        Assert.Equal("default", prod.Namespace);
        Assert.Equal("prod-token", await prod.Token!.GetTokenAsync(default));

        var reversed = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [second, first] });
        Assert.Equal(new Uri("https://prod.example"), reversed.Server);
    }

    [Fact]
    public void Load_ClientCertificateAndCaData_DecodesBoth()
    {
        using var client = _certs.Issue("ferry-user", server: false);
        var path = _dir.Write("config", $"""
            current-context: c
            clusters:
            - name: k
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: {B64(_certs.CaPem)}
                tls-server-name: kubernetes.default
            users:
            - name: u
              user:
                client-certificate-data: {B64(client.ExportCertificatePem())}
                client-key-data: {B64(TestCertificates.KeyPem(client))}
            contexts:
            - name: c
              context:
                cluster: k
                user: u
            """);

        var config = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [path] });

        Assert.Equal(_certs.Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal(client.Thumbprint, config.ClientCertificate!.Thumbprint);
        Assert.True(config.ClientCertificate.HasPrivateKey);
        Assert.Equal("kubernetes.default", config.TlsServerName);
        Assert.Null(config.Token);
        Assert.False(config.InsecureSkipTlsVerify);
    }

    [Fact]
    public async Task Load_FilesRelativeToKubeconfig_AreResolvedAgainstItsDirectory()
    {
        using var client = _certs.Issue("ferry-user", server: false);
        _dir.Write("kube/pki/ca.crt", _certs.CaPem);
        _dir.Write("kube/pki/client.crt", client.ExportCertificatePem());
        _dir.Write("kube/pki/client.key", TestCertificates.KeyPem(client));
        _dir.Write("kube/token", "file-token\n");
        var path = _dir.Write("kube/config", """
            current-context: c
            clusters:
            - name: k
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: pki/ca.crt
            users:
            - name: u
              user:
                client-certificate: pki/client.crt
                client-key: pki/client.key
                token: inline-token
                tokenFile: token
            contexts:
            - name: c
              context: {cluster: k, user: u}
            """);

        var config = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [path] });

        Assert.Equal(_certs.Ca.Thumbprint, Assert.Single(config.CertificateAuthorities!).Thumbprint);
        Assert.Equal(client.Thumbprint, config.ClientCertificate!.Thumbprint);
        var tokenSource = Assert.IsType<FileTokenSource>(config.Token);
        Assert.Equal(Path.Combine(_dir.Path, "kube", "token"), tokenSource.Path);
        Assert.Equal("file-token", await tokenSource.GetTokenAsync(default));
    }

    [Fact]
    public void Load_InsecureSkipTlsVerifyAndBasicAuth_AreCarried()
    {
        var path = _dir.Write("config", """
            current-context: c
            clusters:
            - name: k
              cluster: {server: "https://10.0.0.1", insecure-skip-tls-verify: true}
            users:
            - name: u
              user: {username: admin, password: s3cret}
            contexts:
            - name: c
              context: {cluster: k, user: u, namespace: ferry-system}
            """);

        var config = KubeConfigLoader.Load(new KubeConfigOptions { Paths = [path] });

        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Equal("admin", config.Username);
        Assert.Equal("s3cret", config.Password);
        Assert.Equal("ferry-system", config.Namespace);
    }

    [Theory]
    [InlineData("current-context: nope\nclusters: []\ncontexts: []\n", "Context \"nope\"")]
    [InlineData("contexts: []\n", "no current-context")]
    [InlineData("current-context: c\ncontexts:\n- name: c\n  context: {cluster: k}\n", "Cluster \"k\"")]
    [InlineData("current-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://x'}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n", "User \"u\"")]
    [InlineData("current-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://x'}\nusers:\n- name: u\n  user:\n    exec: {command: aws}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n", "exec or auth-provider")]
    [InlineData("current-context: c\nclusters:\n- name: k\n  cluster: {server: 'https://x', certificate-authority-data: '!!notbase64'}\ncontexts:\n- name: c\n  context: {cluster: k}\n", "not valid base64")]
    [InlineData("current-context: [unclosed\n", "not valid YAML")]
    public void Load_BrokenConfig_ThrowsKubeConfigExceptionNamingTheProblem(string yaml, string expected)
    {
        var path = _dir.Write("config", yaml);

        var e = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Paths = [path] }));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoFileExists_Throws()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Paths = [Path.Combine(_dir.Path, "none")] }));
        Assert.Contains("No kubeconfig", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultPaths_KubeconfigVariable_IsSplitOnPathSeparator()
    {
        var sep = Path.PathSeparator;
        Assert.Equal(["/a/one", "/b/two"], KubeConfigLoader.DefaultPaths($"/a/one{sep}{sep}/b/two", "/home/x"));
        Assert.Equal([Path.Combine("/home/x", ".kube", "config")], KubeConfigLoader.DefaultPaths("", "/home/x"));
        Assert.Equal([Path.Combine("/home/x", ".kube", "config")], KubeConfigLoader.DefaultPaths(null, "/home/x"));
    }
}
