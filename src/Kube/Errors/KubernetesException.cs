namespace Ferry.Kube.Errors;

/// <summary>Base of the errors Ferry's Kubernetes client raises: the API said no (<see cref="KubernetesApiException"/>)
/// or the request never got an answer (<see cref="KubernetesTransportException"/>).</summary>
/// <remarks>Misuse (bad arguments) raises plain BCL exceptions instead.</remarks>
public abstract class KubernetesException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A description without secrets.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected KubernetesException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Whether retrying the same request later may succeed (timeouts, connection trouble, 429, 5xx).</summary>
    public abstract bool IsTransient { get; }
}
