using Ferry.Testing.Sshd;

// Ferry.SyncRunner is Linux-only (POSIX modes, symlinks, ssh); so are the tests that call it. The attribute
// allows multiple uses, so another file declaring it too is harmless.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

/// <summary>All SFTP integration tests share one private sshd, started once for the assembly run.</summary>
[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
