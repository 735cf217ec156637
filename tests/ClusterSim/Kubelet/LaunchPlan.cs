namespace Ferry.ClusterSim.Kubelet;

/// <summary>What to run for a pod: the argv, the environment (the pod's own variables, paths mapped), the working
/// directory, and where the per-pod files and the log live.</summary>
internal sealed record LaunchPlan(
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    string PodDirectory,
    string LogPath,
    IReadOnlyDictionary<string, string> PathMap,
    TimeSpan GracePeriod);
