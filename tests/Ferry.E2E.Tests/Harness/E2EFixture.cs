using Ferry.Testing.Radosgw;

namespace Ferry.E2E.Tests.Harness;

/// <summary>What every scenario shares: one radosgw S3 server (started here, stopped by PID afterwards) and the source
/// tree uploaded to it once. Scenarios only read the source bucket; each writes to its own volume.</summary>
public sealed class E2EFixture : IAsyncLifetime
{
    private RadosgwServer? server;
    private SourceTree? tree;
    private string? directory;

    /// <summary>The S3 server.</summary>
    internal RadosgwServer S3 => server ?? throw new InvalidOperationException("radosgw is not started");

    /// <summary>The real tree in the source bucket.</summary>
    internal SourceTree Tree => tree ?? throw new InvalidOperationException("the source tree is not uploaded");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        directory = Directory.CreateTempSubdirectory("ferry-e2e-").FullName;
        server = await RadosgwServer.StartAsync(memstoreBytes: 512L << 20);
        tree = await SourceTree.CreateAsync(server, Path.Combine(directory, "source"));
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
