using Xunit;

namespace Ferry.Testing.Sshd;

/// <summary>
/// xUnit fixture sharing one <see cref="SshdServer"/> among the test classes of a collection; starts it
/// before the first test and stops it (by PID) after the last.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private SshdServer? _server;

    /// <summary>The running server.</summary>
    public SshdServer Server => _server ?? throw new InvalidOperationException("sshd is not started.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _server = await SshdServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
