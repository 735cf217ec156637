using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ferry.Kube.Errors;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;

namespace Ferry.Kube.Client;

/// <summary>The HTTP side of <see cref="KubernetesClient"/>: an <see cref="HttpClient"/> over Ferry's
/// <see cref="SocketsHttpHandler"/>, authenticated by KubernetesClient's credentials for the configuration (static
/// and file tokens, exec credential plugins, OIDC, basic auth: <see cref="Kubernetes.CreateCredentials"/>), with the
/// configuration's client certificate, CAs and TLS server name.</summary>
/// <remarks>Not the package's <see cref="Kubernetes"/> object itself: building one costs a runner about 35 ms of
/// start-up (its hundreds of operation groups; bench/startup.sh), for a pipeline of which Ferry uses only these parts.
/// Two settings differ from the package's: the server certificate is checked against the configured certificate
/// authorities only, name included (the package also accepts a certificate the system store trusts, and one for
/// another name when the chain needed the configured CA), as client-go does; and connections get TCP keep-alive
/// probes (after 30 s idle, every 10 s, 3 tries), so a watch on a connection that died silently fails within about a
/// minute instead of hanging, as Go's dialer does.</remarks>
internal sealed class KubernetesTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _credentials;
    private readonly X509Certificate2Collection? _authorities;
    private readonly X509Certificate2? _clientCertificate;

    public KubernetesTransport(KubernetesClientConfiguration config, DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (string.IsNullOrWhiteSpace(config.Host) || !Uri.TryCreate(config.Host, UriKind.Absolute, out var host))
        {
            throw new KubeConfigException($"The API server host \"{config.Host}\" is not an absolute URL.");
        }

        BaseUri = new Uri(host.AbsoluteUri.EndsWith('/') ? host.AbsoluteUri : host.AbsoluteUri + "/");
        _credentials = Kubernetes.CreateCredentials(config);
        _authorities = config.SkipTlsVerify || config.SslCaCerts is not { Count: > 0 } cas
            ? null
            : [.. cas.Select(c => X509CertificateLoader.LoadCertificate(c.RawData))];
        _clientCertificate = ClientCertificate(config);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            ConnectCallback = ConnectWithKeepAliveAsync,
        };
        if (_clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [_clientCertificate];
        }

        if (!string.IsNullOrEmpty(config.TlsServerName))
        {
            handler.SslOptions.TargetHost = config.TlsServerName;
        }

        if (config.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (_authorities is { } trusted)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateAgainst(trusted, certificate, errors);
        }

        HttpMessageHandler first = handler;
        for (var i = handlers.Length - 1; i >= 0; i--)
        {
            handlers[i].InnerHandler = first;
            first = handlers[i];
        }

        _http = new HttpClient(first, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", string.IsNullOrEmpty(config.UserAgent) ? "ferry" : config.UserAgent);
    }

    /// <summary>The API server's base URL, ending in <c>/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Sends one request with the configuration's credentials (an exec plugin runs here when its token is
    /// missing or expired); a non-2xx answer is read and thrown as <see cref="KubernetesApiException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, bool streaming, CancellationToken cancellationToken)
    {
        if (_credentials is not null)
        {
            await _credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await _http.SendAsync(request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string body;
            try
            {
                body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                body = "";
            }

            throw KubernetesApiException.FromResponse((int)response.StatusCode, body, response.ReasonPhrase);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _clientCertificate?.Dispose();
        foreach (var authority in _authorities ?? [])
        {
            authority.Dispose();
        }
    }

    /// <summary>The client certificate of the configuration: PEM data (base64, as kubeconfig's
    /// <c>client-certificate-data</c>/<c>client-key-data</c>) or PEM files.</summary>
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        try
        {
            if (!string.IsNullOrEmpty(config.ClientCertificateData) && !string.IsNullOrEmpty(config.ClientCertificateKeyData))
            {
                return X509Certificate2.CreateFromPem(
                    Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateData)),
                    Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateKeyData)));
            }

            if (!string.IsNullOrEmpty(config.ClientCertificateFilePath) && !string.IsNullOrEmpty(config.ClientKeyFilePath))
            {
                return X509Certificate2.CreateFromPemFile(config.ClientCertificateFilePath, config.ClientKeyFilePath);
            }
        }
        catch (Exception e) when (e is FormatException or CryptographicException or IOException)
        {
            throw new KubeConfigException($"The client certificate or key is not valid PEM: {e.Message}", e);
        }

        return null;
    }

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
