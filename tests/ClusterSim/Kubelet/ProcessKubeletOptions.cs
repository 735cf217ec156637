namespace Ferry.ClusterSim.Kubelet;

/// <summary>Settings of a <see cref="ProcessKubelet"/>.</summary>
public sealed class ProcessKubeletOptions
{
    /// <summary>Executables for images, used when a container has no <c>command</c>: the key is an image reference, or a
    /// prefix ending in <c>*</c> (e.g. <c>ghcr.io/ferry/ferry:*</c>); the value is the command line the container's
    /// <c>args</c> are appended to, split on whitespace (e.g. <c>dotnet /repo/bin/ferry.dll</c>).</summary>
    /// <value>Empty: a container without <c>command</c> stays Pending with <c>ErrImagePull</c>.</value>
    public IDictionary<string, string> Images { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The directory whose subdirectory <c>CLAIMNAME</c> stands for the PersistentVolumeClaim <c>CLAIMNAME</c>
    /// (created on first use).</summary>
    /// <value>Null: a Pod with a claim volume stays Pending with <c>CreateContainerConfigError</c>.</value>
    public string? VolumesDirectory { get; set; }

    /// <summary>Where per-pod directories (logs, secret and emptyDir volumes, service-account files) are made.</summary>
    /// <value>Null: a fresh temporary directory, deleted when the kubelet is disposed.</value>
    public string? WorkDirectory { get; set; }

    /// <summary>Whether processes inherit this process's environment (PATH, HOME, DOTNET_ROOT, ...) beneath the
    /// pod's own variables. A real container does not; a local process usually needs it.</summary>
    /// <value>True.</value>
    public bool InheritEnvironment { get; set; } = true;

    /// <summary>How often Jobs and Pods are reconciled without any event (deadlines, <c>suspend</c> changes).</summary>
    /// <value>100 milliseconds.</value>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The grace period between SIGTERM and SIGKILL when a pod does not set
    /// <c>terminationGracePeriodSeconds</c>.</summary>
    /// <value>30 seconds, as Kubernetes.</value>
    public TimeSpan DefaultGracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}
