using Xunit;

namespace Ferry.Testing.Radosgw;

/// <summary>
/// Starts one <see cref="RadosgwServer"/> for a test collection and stops it afterwards. A test assembly declares
/// <c>[CollectionDefinition(RadosgwFixture.Collection)] class … : ICollectionFixture&lt;RadosgwFixture&gt;</c> and puts
/// its S3 test classes in that collection, so the cluster starts once per assembly.
/// </summary>
public sealed class RadosgwFixture : IAsyncLifetime
{
    /// <summary>The collection name S3 test classes use.</summary>
    public const string Collection = "radosgw";

    private RadosgwServer? server;

    /// <summary>The running server.</summary>
    public RadosgwServer Server => server ?? throw new InvalidOperationException("radosgw is not started");

    /// <inheritdoc/>
    public async Task InitializeAsync() => server = await RadosgwServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
