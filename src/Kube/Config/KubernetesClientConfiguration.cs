using System.Security.Cryptography.X509Certificates;

namespace Ferry.Kube.Config;

/// <summary>How to reach and authenticate to one API server: the resolved form of a kubeconfig context or of the
/// in-cluster environment.</summary>
/// <remarks>Build it with <see cref="KubeConfigLoader"/>, <see cref="InClusterConfig"/> or <see cref="LoadDefault"/>, or by hand.</remarks>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The API server's base URL, e.g. <c>https://10.0.0.1:443</c> (a path prefix is kept).</summary>
    public required Uri Server { get; init; }

    /// <summary>The namespace to use when the caller names none.</summary>
    /// <value>Default <c>default</c>.</value>
    public string Namespace { get; init; } = "default";

    /// <summary>The only certificate authorities trusted for the server's certificate.</summary>
    /// <value>Default <see langword="null"/>: the operating system's trust store.</value>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>The client certificate (with its private key) for mutual TLS.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Skip verifying the server's certificate (kubeconfig <c>insecure-skip-tls-verify</c>).</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The server name to verify the certificate against instead of the URL's host (kubeconfig <c>tls-server-name</c>).</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? TlsServerName { get; init; }

    /// <summary>The bearer token source.</summary>
    /// <value>Default <see langword="null"/>: no bearer token.</value>
    public ITokenSource? Token { get; init; }

    /// <summary>HTTP basic authentication user (kubeconfig <c>username</c>).</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? Username { get; init; }

    /// <summary>HTTP basic authentication password (kubeconfig <c>password</c>). Never logged.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? Password { get; init; }

    /// <summary>Timeout of each non-watch request.</summary>
    /// <value>Default 100 seconds (kubernetes-client/csharp's default); watches are exempt.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>The in-cluster configuration when running in a pod (<c>KUBERNETES_SERVICE_HOST</c> set and a
    /// service-account token mounted), else the kubeconfig (<c>$KUBECONFIG</c> or <c>~/.kube/config</c>).</summary>
    /// <param name="timeProvider">The clock for token refresh; default <see cref="TimeProvider.System"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubeConfigException">Neither source is usable.</exception>
    public static KubernetesClientConfiguration LoadDefault(TimeProvider? timeProvider = null) =>
        InClusterConfig.IsInCluster()
            ? InClusterConfig.Load(new InClusterOptions { TimeProvider = timeProvider ?? TimeProvider.System })
            : KubeConfigLoader.Load(new KubeConfigOptions { TimeProvider = timeProvider ?? TimeProvider.System });
}
