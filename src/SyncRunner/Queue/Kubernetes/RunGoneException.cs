namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>The run's scan Lease disappeared after this worker had seen it: the SyncJob was deleted (its Leases are
/// garbage-collected with it) or the run's Leases were removed. The worker must stop; it never re-creates them.</summary>
public sealed class RunGoneException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RunGoneException()
        : base("the run's Leases are gone (the SyncJob was deleted?)")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public RunGoneException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public RunGoneException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
