using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Tests.Storage.Sftp;

public sealed class SftpStorageOptionsTests
{
    [Fact]
    public void Defaults_ArePinned()
    {
        var options = new SftpStorageOptions();
        Assert.Equal("ssh", options.SshPath);
        Assert.Equal(Environment.ProcessorCount >= 4 ? 4 : Environment.ProcessorCount, options.MaxConnections);
        Assert.Equal(256 * 1024, options.ChunkSize);
        Assert.Equal(64, options.MaxRequestsInFlight);
        Assert.Equal(2 * 1024 * 1024, options.MaxBytesInFlightPerSession);
        Assert.Equal(30, options.ConnectTimeoutSeconds);
        Assert.True(options.StrictHostKeyChecking);
        Assert.Equal("aes128-gcm@openssh.com,aes256-gcm@openssh.com", options.PreferredCiphers);
        Assert.Empty(options.ExtraSshOptions);
    }
}
