namespace Ferry.Kube.Config;

/// <summary>The configuration of a pod talking to its own cluster through the service account.</summary>
/// <remarks>Kubernetes "Accessing the Kubernetes API from a Pod": <c>https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT</c>,
/// the projected token (re-read as the kubelet rotates it), <c>ca.crt</c> as the only trust root, and the pod's
/// namespace from the <c>namespace</c> file.</remarks>
public static class InClusterConfig
{
    /// <summary>The service account mount point: <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Whether the process looks like it runs in a pod: both service environment variables set and a token mounted.</summary>
    /// <param name="serviceAccountDirectory">The mount point; default <see cref="DefaultServiceAccountDirectory"/>.</param>
    /// <returns><see langword="true"/> when <see cref="Load"/> can be expected to succeed.</returns>
    public static bool IsInCluster(string serviceAccountDirectory = DefaultServiceAccountDirectory) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
        && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"))
        && File.Exists(Path.Combine(serviceAccountDirectory, "token"));

    /// <summary>Builds the in-cluster configuration.</summary>
    /// <param name="options">Overrides for tests; <see langword="null"/> for the real environment.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubeConfigException">The host or port is unset, or the token or <c>ca.crt</c> is missing.</exception>
    public static KubernetesClientConfiguration Load(InClusterOptions? options = null)
    {
        options ??= new InClusterOptions();
        var host = options.Host ?? Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = options.Port ?? Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("Not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set.");
        }

        var tokenPath = Path.Combine(options.ServiceAccountDirectory, "token");
        var caPath = Path.Combine(options.ServiceAccountDirectory, "ca.crt");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"No service-account token at {tokenPath}.");
        }

        if (!File.Exists(caPath))
        {
            throw new KubeConfigException($"No cluster CA certificate at {caPath}.");
        }

        var namespacePath = Path.Combine(options.ServiceAccountDirectory, "namespace");
        var ns = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : "";
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = ns.Length == 0 ? "default" : ns,
            CertificateAuthorities = KubeConfigLoader.LoadCertificates(File.ReadAllText(caPath), "ca.crt"),
            Token = new FileTokenSource(tokenPath, options.TokenRefreshInterval, options.TimeProvider),
        };
    }
}
