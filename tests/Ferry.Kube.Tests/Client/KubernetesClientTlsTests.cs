using System.Security.Cryptography.X509Certificates;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.Kube.Tests.TestSupport;
using k8s;

namespace Ferry.Kube.Tests.Client;

public sealed class KubernetesClientTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private TestApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync(_certs.Issue("apiserver", server: true), requireClientCertificate: true);
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, 200, """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns"},"data":{"k":"dmFsdWU="}}""");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certs.Dispose();
    }

    [Fact]
    public async Task Get_ServerSignedByConfiguredCa_SucceedsWithClientCertificate()
    {
        using var clientCert = _certs.Issue("ferry-operator", server: false);
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Host = _server.Url.AbsoluteUri,
            SslCaCerts = [X509CertificateLoader.LoadCertificate(_certs.Ca.RawData)],
            ClientCertificateData = B64(clientCert.ExportCertificatePem()),
            ClientCertificateKeyData = B64(TestCertificates.KeyPem(clientCert)),
        });

        var secret = await client.GetAsync(KubeResources.Secrets, "ns", "s");

        Assert.Equal("value"u8.ToArray(), secret.Data!["k"]);
        Assert.Equal("CN=ferry-operator", Assert.Single(_server.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task Get_ServerSignedByAnotherCa_FailsNonTransient()
    {
        using var other = new TestCertificates("other-ca");
        using var clientCert = _certs.Issue("ferry-operator", server: false);
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Host = _server.Url.AbsoluteUri,
            SslCaCerts = [X509CertificateLoader.LoadCertificate(other.Ca.RawData)],
            ClientCertificateData = B64(clientCert.ExportCertificatePem()),
            ClientCertificateKeyData = B64(TestCertificates.KeyPem(clientCert)),
        });

        var e = await Assert.ThrowsAsync<KubernetesTransportException>(() => client.GetAsync(KubeResources.Secrets, "ns", "s"));

        Assert.False(e.IsTransient);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Get_InsecureSkipTlsVerify_AcceptsAnyServerCertificate()
    {
        using var clientCert = _certs.Issue("ferry-operator", server: false);
        using var client = new KubernetesClient(new KubernetesClientConfiguration
        {
            Host = _server.Url.AbsoluteUri,
            SkipTlsVerify = true,
            ClientCertificateData = B64(clientCert.ExportCertificatePem()),
            ClientCertificateKeyData = B64(TestCertificates.KeyPem(clientCert)),
        });

        var secret = await client.GetAsync(KubeResources.Secrets, "ns", "s");

        Assert.Equal("s", secret.Metadata.Name);
    }

    [Fact]
    public async Task Get_ConfigurationFromKubeconfigPemData_CompletesMutualTls()
    {
        using var clientCert = _certs.Issue("kubeconfig-user", server: false);
        using var dir = new TempDirectory();
        var path = dir.Write("config", $"""
            current-context: c
            clusters:
            - name: k
              cluster:
                server: {_server.Url.AbsoluteUri.TrimEnd('/')}
                certificate-authority-data: {B64(_certs.CaPem)}
            users:
            - name: u
              user:
                client-certificate-data: {B64(clientCert.ExportCertificatePem())}
                client-key-data: {B64(TestCertificates.KeyPem(clientCert))}
            contexts:
            - name: c
              context:
                cluster: k
                user: u
            """);
        using var client = new KubernetesClient(KubeConfig.LoadDefault(path));

        var secret = await client.GetAsync(KubeResources.Secrets, "ns", "s");

        Assert.Equal("s", secret.Metadata.Name);
        Assert.Equal("CN=kubeconfig-user", Assert.Single(_server.Requests).ClientCertificateSubject);
    }

    private static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
}
