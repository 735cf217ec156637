using k8s;
using k8s.Exceptions;

namespace Ferry.Kube.Config;

/// <summary>Where Ferry's processes find their API server: KubernetesClient's <see cref="KubernetesClientConfiguration"/>,
/// loaded in the order controller-runtime uses.</summary>
/// <remarks>Everything about the sources is the package's: kubeconfig merging over <c>$KUBECONFIG</c> (first
/// occurrence wins), contexts, client certificates, bearer tokens and token files, exec credential plugins (the
/// <c>client.authentication.k8s.io</c> ExecCredential that EKS, GKE and AKS kubeconfigs use), OIDC, and in-cluster
/// configuration (<c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>, the service-account token re-read as the kubelet
/// rotates it, <c>ca.crt</c>, the namespace file). Unlike the package's <c>BuildDefaultConfig</c>, a process with
/// none of these fails instead of trying <c>http://localhost:8080</c>.</remarks>
public static class KubeConfig
{
    /// <summary>The explicit kubeconfig when given; else the in-cluster configuration when running in a pod; else
    /// <c>$KUBECONFIG</c> (merged) or <c>~/.kube/config</c>, each at its <c>current-context</c>.</summary>
    /// <param name="kubeconfigPath">A kubeconfig file (<c>--kubeconfig</c>), or <see langword="null"/>.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KubeConfigException">No source is usable, or the chosen one is invalid (no current context, a
    /// user with no usable credentials, an unreadable certificate).</exception>
    /// <exception cref="FileNotFoundException">The kubeconfig file named does not exist.</exception>
    public static KubernetesClientConfiguration LoadDefault(string? kubeconfigPath = null)
    {
        if (kubeconfigPath is not null)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } || File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation))
        {
            return KubernetesClientConfiguration.BuildDefaultConfig();
        }

        throw new KubeConfigException(
            "no Kubernetes API configuration: not in a cluster (KUBERNETES_SERVICE_HOST and a service-account token), no $KUBECONFIG and no "
            + KubernetesClientConfiguration.KubeConfigDefaultLocation);
    }
}
