namespace Ferry.Kube.Config;

/// <summary>Where the in-cluster configuration comes from.</summary>
public sealed class InClusterOptions
{
    /// <summary>The directory of the mounted service account: <c>token</c>, <c>ca.crt</c>, <c>namespace</c>.</summary>
    /// <value>Default <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</value>
    public string ServiceAccountDirectory { get; init; } = InClusterConfig.DefaultServiceAccountDirectory;

    /// <summary>The API server host.</summary>
    /// <value>Default <see langword="null"/>: the <c>KUBERNETES_SERVICE_HOST</c> environment variable.</value>
    public string? Host { get; init; }

    /// <summary>The API server port.</summary>
    /// <value>Default <see langword="null"/>: the <c>KUBERNETES_SERVICE_PORT</c> environment variable.</value>
    public string? Port { get; init; }

    /// <summary>How long a read token is used before the file is read again.</summary>
    /// <value>Default 1 minute (the kubelet rotates projected tokens well before they expire).</value>
    public TimeSpan TokenRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock for token refresh.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
