using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.Kube.Tests.TestSupport;

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
            Server = _server.Url,
            CertificateAuthorities = [_certs.Ca],
            ClientCertificate = clientCert,
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
            Server = _server.Url,
            CertificateAuthorities = [other.Ca],
            ClientCertificate = clientCert,
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
            Server = _server.Url,
            InsecureSkipTlsVerify = true,
            ClientCertificate = clientCert,
        });

        var secret = await client.GetAsync(KubeResources.Secrets, "ns", "s");

        Assert.Equal("s", secret.Metadata.Name);
    }
}
