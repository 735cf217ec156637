namespace Ferry.ClusterSim.Kubelet;

/// <summary>What to run for a pod: the argv, the environment (the pod's own variables), the working directory (inside
/// the pod), the host directories to bind at their mount paths, and where the per-pod files and the log live.</summary>
internal sealed record LaunchPlan(
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    string PodDirectory,
    string LogPath,
    IReadOnlyDictionary<string, string> Mounts,
    TimeSpan GracePeriod)
{
    /// <summary>The mount paths bound read-only.</summary>
    public IReadOnlySet<string> ReadOnlyMounts { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}
