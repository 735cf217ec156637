namespace Ferry.E2E.Tests.Harness;

/// <summary>All scenarios share one <see cref="E2EFixture"/> (radosgw and the uploaded tree) and run one after
/// another: each starts its own simulator, kubelet and operator, and the machine has few cores.</summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<E2EFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "e2e";
}
