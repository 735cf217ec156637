using Ferry.Testing.Radosgw;
using Ferry.Testing.Sshd;

namespace Ferry.SyncRunner.Tests.Storage.S3;

/// <summary>
/// One radosgw cluster for every S3 test class of this assembly, plus a private sshd for the classes that sync between
/// S3 and SFTP (<see cref="CrossBackendSyncTests"/>). xUnit 2 gives a class one collection only, and this sshd is not the
/// SFTP collection's: that one's tests kill sessions on purpose, which must not hit a cross-backend sync mid-run.
/// </summary>
[CollectionDefinition(RadosgwFixture.Collection)]
public sealed class RadosgwCollection : ICollectionFixture<RadosgwFixture>, ICollectionFixture<SshdFixture>
{
}
