namespace Ferry.Kube.Errors;

/// <summary>A request got no answer from the API server: connection refused or reset, TLS failure, timeout, broken stream.</summary>
public sealed class KubernetesTransportException : KubernetesException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A description without secrets.</param>
    /// <param name="innerException">The I/O error.</param>
    /// <param name="isTransient">Whether a retry may succeed; <see langword="true"/> unless the cause is permanent (e.g. an untrusted certificate).</param>
    public KubernetesTransportException(string message, Exception? innerException = null, bool isTransient = true)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <inheritdoc />
    public override bool IsTransient { get; }
}
