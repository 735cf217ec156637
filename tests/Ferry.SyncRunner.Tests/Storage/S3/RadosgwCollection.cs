using Ferry.Testing.Radosgw;

namespace Ferry.SyncRunner.Tests.Storage.S3;

/// <summary>One radosgw cluster for every S3 test class of this assembly.</summary>
[CollectionDefinition(RadosgwFixture.Collection)]
public sealed class RadosgwCollection : ICollectionFixture<RadosgwFixture>
{
}
