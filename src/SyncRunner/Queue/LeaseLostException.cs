namespace Ferry.SyncRunner.Queue;

/// <summary>This worker's lease on a task or on the run's scan is lost: another worker took it over after it expired
/// (this worker stopped renewing it in time), or the Lease is gone. The worker stops work on it without failing it;
/// the new holder redoes the keys after the last checkpoint.</summary>
/// <remarks>Not an <see cref="InvalidOperationException"/>: a lost lease is an expected event of a shared queue
/// (DESIGN.md, "A worker that loses its lease stops work on that task"), not a misuse. The lease's <c>Lost</c> token
/// (<see cref="RangeTaskLease.Lost"/>, <see cref="ScanLease.Lost"/>) is cancelled before this is thrown.</remarks>
public sealed class LeaseLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeaseLostException()
        : base("the lease was lost")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public LeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a named Lease.</summary>
    /// <param name="leaseName">The Lease's <c>metadata.name</c> (or a task id).</param>
    /// <param name="reason">Why it is lost, e.g. "another worker holds it".</param>
    public LeaseLostException(string leaseName, string? reason)
        : base(reason is null ? $"the lease on {leaseName} was lost" : $"the lease on {leaseName} was lost: {reason}")
    {
        LeaseName = leaseName;
    }

    /// <summary>The lost Lease's name, when known.</summary>
    /// <value><see langword="null"/> when not given.</value>
    public string? LeaseName { get; }
}
