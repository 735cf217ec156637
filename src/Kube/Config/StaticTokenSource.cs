namespace Ferry.Kube.Config;

/// <summary>A bearer token fixed at configuration time (kubeconfig <c>token</c>).</summary>
/// <param name="token">The token.</param>
public sealed class StaticTokenSource(string token) : ITokenSource
{
    /// <inheritdoc />
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);

    /// <inheritdoc />
    public override string ToString() => "StaticTokenSource(<redacted>)";
}
