namespace Ferry.ClusterSim.Kubelet;

/// <summary>POSIX signal numbers (Linux) a test may send to a pod's processes.</summary>
public enum PodSignal
{
    /// <summary>Interrupt (2).</summary>
    SIGINT = 2,

    /// <summary>Kill, not catchable (9): a crashed worker.</summary>
    SIGKILL = 9,

    /// <summary>Terminate (15): a polite stop.</summary>
    SIGTERM = 15,
}
