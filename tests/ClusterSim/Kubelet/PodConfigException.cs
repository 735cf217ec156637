namespace Ferry.ClusterSim.Kubelet;

/// <summary>A pod cannot be started yet: it stays Pending with <paramref name="reason"/> as the container's waiting
/// reason (e.g. <c>CreateContainerConfigError</c> for a missing Secret), and is retried.</summary>
internal sealed class PodConfigException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
