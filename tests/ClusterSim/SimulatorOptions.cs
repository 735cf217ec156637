using Ferry.ClusterSim.Faults;
using Ferry.ClusterSim.Kubelet;

namespace Ferry.ClusterSim;

/// <summary>Settings of a <see cref="ClusterSimulator"/>.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The TCP port on 127.0.0.1.</summary>
    /// <value>0: an ephemeral port.</value>
    public int Port { get; set; }

    /// <summary>The bearer token every request must carry; null accepts any token or none.</summary>
    /// <value>Null.</value>
    public string? Token { get; set; }

    /// <summary>Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (its CA data goes into the kubeconfig).</summary>
    /// <value>False: plain HTTP.</value>
    public bool UseHttps { get; set; }

    /// <summary>How many change events the watch history keeps; watching from a resourceVersion older than the
    /// window is 410 Gone.</summary>
    /// <value>10000.</value>
    public int WatchHistorySize { get; set; } = 10_000;

    /// <summary>How often a watch with <c>allowWatchBookmarks=true</c> gets a BOOKMARK event.</summary>
    /// <value>60 seconds.</value>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest a watch stays open when the client sets no <c>timeoutSeconds</c>.</summary>
    /// <value>30 minutes.</value>
    public TimeSpan MaxWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The clock for timestamps, watch timeouts and bookmarks.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Fault injection, also changeable at run time through <see cref="ClusterSimulator.Faults"/>.</summary>
    /// <value>No faults.</value>
    public FaultInjector Faults { get; set; } = new();

    /// <summary>The simulated kubelet told about created Pods and Jobs.</summary>
    /// <value>Null: Pods and Jobs are stored and never run.</value>
    public IKubelet? Kubelet { get; set; }

    /// <summary>The Kubernetes version <c>/version</c> reports.</summary>
    /// <value><c>v1.32.0</c>.</value>
    public string KubernetesVersion { get; set; } = "v1.32.0";
}
