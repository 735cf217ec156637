namespace Ferry.Kube.Config;

/// <summary>Supplies the bearer token sent with each request.</summary>
public interface ITokenSource
{
    /// <summary>Returns the current token.</summary>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The token, without the <c>Bearer </c> prefix.</returns>
    /// <exception cref="IOException">A token file cannot be read and no earlier token is cached.</exception>
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}
