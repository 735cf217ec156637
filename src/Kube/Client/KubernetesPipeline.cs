using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Autorest;

namespace Ferry.Kube.Client;

/// <summary>KubernetesClient's <see cref="Kubernetes"/> used as Ferry's transport: its <see cref="HttpClient"/>, TLS
/// client certificate, credentials (static and file tokens, exec plugins, OIDC, basic auth) and error answers as
/// <see cref="HttpOperationException"/>; Ferry sends the requests and decodes the bodies itself.</summary>
/// <remarks>Two settings differ from the package's own: the server certificate is checked against the configured
/// certificate authorities only, name included (the package also accepts a certificate the system store trusts, and
/// one for another name when the chain needed the configured CA), as client-go does; and connections get TCP
/// keep-alive probes (after 30 s idle, every 10 s, 3 tries), so a watch on a connection that died silently fails
/// within about a minute instead of hanging, as Go's dialer does.</remarks>
internal sealed class KubernetesPipeline : Kubernetes
{
    public KubernetesPipeline(KubernetesClientConfiguration config, DelegatingHandler[] handlers)
        : base(WithFerryTransport(config, out var authorities), handlers)
    {
        Authorities = authorities;
    }

    /// <summary>The certificate authorities the server certificate must chain to, or null for the system store.</summary>
    public X509Certificate2Collection? Authorities { get; }

    /// <summary>Sends one request with the configuration's credentials; a non-2xx answer throws
    /// <see cref="HttpOperationException"/> (the response body read, the response disposed).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendRequestRaw("", request, cancellationToken);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && Authorities is not null)
        {
            foreach (var authority in Authorities)
            {
                authority.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private static KubernetesClientConfiguration WithFerryTransport(KubernetesClientConfiguration config, out X509Certificate2Collection? authorities)
    {
        ArgumentNullException.ThrowIfNull(config);
        var copy = Copy(config);
        authorities = config.SkipTlsVerify || config.SslCaCerts is not { Count: > 0 } cas ? null : [.. cas.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        copy.SslCaCerts = null;
        var trusted = authorities;
        var previous = config.FirstMessageHandlerSetup;
        copy.FirstMessageHandlerSetup = handler =>
        {
            handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            handler.ConnectTimeout = TimeSpan.FromSeconds(30);
            handler.AutomaticDecompression = System.Net.DecompressionMethods.GZip;
            handler.ConnectCallback = ConnectWithKeepAliveAsync;
            if (!string.IsNullOrEmpty(config.TlsServerName))
            {
                handler.SslOptions.TargetHost = config.TlsServerName;
            }

            if (trusted is not null)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateAgainst(trusted, certificate, errors);
            }

            previous?.Invoke(handler);
        };
        return copy;
    }

    private static KubernetesClientConfiguration Copy(KubernetesClientConfiguration c) => new()
    {
        Host = c.Host,
        Namespace = c.Namespace,
        SslCaCerts = c.SslCaCerts,
        ClientCertificateData = c.ClientCertificateData,
        ClientCertificateKeyData = c.ClientCertificateKeyData,
        ClientCertificateFilePath = c.ClientCertificateFilePath,
        ClientCertificateKeyStoreFlags = c.ClientCertificateKeyStoreFlags,
        ClientKeyFilePath = c.ClientKeyFilePath,
        SkipTlsVerify = c.SkipTlsVerify,
        TlsServerName = c.TlsServerName,
        UserAgent = c.UserAgent,
        Username = c.Username,
        Password = c.Password,
        AccessToken = c.AccessToken,
        TokenProvider = c.TokenProvider,
        HttpClientTimeout = c.HttpClientTimeout,
        DisableHttp2 = c.DisableHttp2,
    };

    private static async ValueTask<Stream> ConnectWithKeepAliveAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts <paramref name="certificate"/> only if it chains to one of <paramref name="authorities"/>
    /// (the system store is ignored) and matches the host name.</summary>
    internal static bool ValidateAgainst(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.ExtraStore.AddRange(authorities);
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
