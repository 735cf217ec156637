using Ferry.Testing.Sshd;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

/// <summary>All SFTP integration tests share one private sshd, started once for the assembly run.</summary>
[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
