namespace Ferry.Kube.Config;

/// <summary>A kubeconfig or the in-cluster environment is missing, unreadable or incomplete.</summary>
public sealed class KubeConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong; never contains a credential.</param>
    /// <param name="innerException">The cause, if any.</param>
    public KubeConfigException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
