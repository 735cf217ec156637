namespace Ferry.Kube.Runtime;

/// <summary>Thrown by a reconcile for an error that retrying cannot fix (e.g. an invalid spec): the controller logs
/// it and forgets the key instead of requeueing it with backoff.</summary>
/// <remarks>controller-runtime's <c>reconcile.TerminalError</c>.</remarks>
public sealed class TerminalReconcileException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TerminalReconcileException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
