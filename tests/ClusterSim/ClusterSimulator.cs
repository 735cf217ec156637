using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ferry.ClusterSim.Auth;
using Ferry.ClusterSim.Controllers;
using Ferry.ClusterSim.Faults;
using Ferry.ClusterSim.Http;
using Ferry.ClusterSim.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.ClusterSim;

/// <summary>A running simulated Kubernetes API server on 127.0.0.1: start it, point a kubeconfig at it, dispose it.</summary>
/// <example><code>
/// await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
/// await sim.WriteKubeconfigAsync(path);
/// </code></example>
public sealed class ClusterSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SimulatorOptions _options;

    private ClusterSimulator(WebApplication app, SimulatorOptions options, ClusterStore store, Uri url, X509Certificate2? certificate)
    {
        _app = app;
        _options = options;
        Store = store;
        Url = url;
        Certificate = certificate;
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The objects, for seeding state and for a kubelet to set statuses.</summary>
    public ClusterStore Store { get; }

    /// <summary>The API requests served so far, by verb, resource and namespace (also at <c>GET /debug/requests</c>).</summary>
    public RequestCounter Requests { get; private init; } = new();

    /// <summary>The live fault injection settings.</summary>
    public FaultInjector Faults => _options.Faults;

    private const string DefaultToken = "ferry-clustersim";

    /// <summary>The bearer token written into kubeconfigs: the configured one, or a fixed placeholder. It authenticates
    /// as the unrestricted admin (<see cref="UserInfo.Admin"/>).</summary>
    public string Token => _options.Token ?? DefaultToken;

    /// <summary>Authentication and RBAC: the service-account token issuer (<see cref="ClusterAuth.Tokens"/>) and authorizer.</summary>
    public ClusterAuth Auth { get; private init; } = null!;

    /// <summary>The self-signed server certificate when serving HTTPS, else null.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>Starts a simulator.</summary>
    /// <exception cref="IOException">The port cannot be bound.</exception>
    public static async Task<ClusterSimulator> StartAsync(SimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SimulatorOptions();
        X509Certificate2? certificate = options.UseHttps ? CreateCertificate() : null;
        X509Certificate2 inClusterCertificate = certificate ?? SharedInClusterCertificate.Value;
        var store = new ClusterStore(options.Time, options.WatchHistorySize, options.Kubelet, inClusterCertificate.ExportCertificatePem());
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "ClusterSim", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
            k.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            if (certificate is null)
            {
                // The in-cluster endpoint (what kubernetes.default.svc is to a pod): always HTTPS.
                k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(inClusterCertificate));
            }
        });
        WebApplication app = builder.Build();
        string address = "";
        var auth = new ClusterAuth(store, options);
        var handler = new ApiHandler(store, options, auth, () => address, options.Token ?? DefaultToken);
        var requests = new RequestCounter(options.Time);
        app.Use(requests.InvokeAsync);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/")).ToList();
        Uri url = bound.First(u => u.Scheme == (certificate is null ? "http" : "https"));
        Uri inClusterUrl = bound.First(u => u.Scheme == "https");
        address = $"{url.Host}:{url.Port}";
        var simulator = new ClusterSimulator(app, options, store, url, certificate)
        {
            Requests = requests,
            Auth = auth,
            InClusterUrl = inClusterUrl,
            InClusterCertificate = inClusterCertificate,
            Controllers = new ControllerManager(store),
        };
        options.Kubelet?.Attach(simulator);
        return simulator;
    }

    private static readonly Lazy<X509Certificate2> SharedInClusterCertificate = new(CreateCertificate);

    /// <summary>The HTTPS address pods reach the API server at (their <c>KUBERNETES_SERVICE_HOST</c> and
    /// <c>_PORT</c>): <see cref="Url"/> when serving HTTPS, else a second, HTTPS-only port.</summary>
    public Uri InClusterUrl { get; private init; } = null!;

    /// <summary>The certificate of <see cref="InClusterUrl"/>: what the <c>ca.crt</c> of every pod's service-account
    /// volume and every namespace's <c>kube-root-ca.crt</c> ConfigMap hold.</summary>
    public X509Certificate2 InClusterCertificate { get; private init; } = null!;

    private ControllerManager Controllers { get; init; } = null!;

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ferry-clustersim", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    /// <summary>The kubeconfig (YAML) for this server: one cluster, user (bearer token) and context
    /// <c>ferry-sim</c> with namespace <c>default</c>; with HTTPS, the certificate as <c>certificate-authority-data</c>.</summary>
    public string Kubeconfig()
    {
        string server = Url.ToString().TrimEnd('/');
        string ca = Certificate is null ? "" : $"\n    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(Certificate.ExportCertificatePem()))}";
        return $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: ferry-sim
              cluster:
                server: {server}{ca}
            users:
            - name: ferry-sim
              user:
                token: {Token}
            contexts:
            - name: ferry-sim
              context:
                cluster: ferry-sim
                user: ferry-sim
                namespace: default
            current-context: ferry-sim

            """;
    }

    /// <summary>Writes <see cref="Kubeconfig"/> to <paramref name="path"/>.</summary>
    public Task WriteKubeconfigAsync(string path, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Kubeconfig(), cancellationToken);

    /// <summary>An <see cref="HttpClient"/> for this server: base address, bearer token, and trust in its certificate.</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler();
        if (Certificate is { } cert)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                errors == SslPolicyErrors.None || (presented is not null && presented.GetCertHashString() == cert.GetCertHashString());
        }

        var client = new HttpClient(handler) { BaseAddress = Url, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    /// <summary>Cuts every open watch stream now (fault injection).</summary>
    public void DropWatches() => Store.DropWatches();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Controllers.DisposeAsync();
        if (_options.Kubelet is IAsyncDisposable kubelet)
        {
            await kubelet.DisposeAsync();
        }

        Store.DropWatches();
        await _app.StopAsync(TimeSpan.FromSeconds(5));
        await _app.DisposeAsync();
        Certificate?.Dispose();
        Auth.Dispose();
    }
}
