namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>Tuning and ssh settings of an <see cref="SftpStorage"/>.</summary>
public sealed class SftpStorageOptions
{
    /// <summary>The OpenSSH client to run. <value>Default: <c>ssh</c> (found on <c>PATH</c>).</value></summary>
    public string SshPath { get; init; } = "ssh";

    /// <summary>Most ssh processes (SFTP sessions) kept open at once; each carries many requests. <value>Default: 4.</value></summary>
    public int MaxConnections { get; init; } = 4;

    /// <summary>Bytes per READ or WRITE request, capped by what the server announces with <c>limits@openssh.com</c>
    /// (OpenSSH: 261,120) or, without that, by the 32,768 bytes every server must accept. <value>Default: 65,536 bytes.</value></summary>
    public int ChunkSize { get; init; } = 64 * 1024;

    /// <summary>READ or WRITE requests in flight per open file (pipelining). <value>Default: 64.</value></summary>
    public int MaxRequestsInFlight { get; init; } = 64;

    /// <summary>ssh's <c>ConnectTimeout</c>, in seconds. <value>Default: 30 seconds.</value></summary>
    public int ConnectTimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// Whether an unknown or changed host key is refused (<c>StrictHostKeyChecking=yes</c>). Turning it off
    /// uses <c>accept-new</c> (a changed key is still refused), never <c>no</c>. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool StrictHostKeyChecking { get; init; } = true;

    /// <summary>Extra <c>-o Name=value</c> options for ssh, in order. <value>Default: none.</value></summary>
    public IReadOnlyList<string> ExtraSshOptions { get; init; } = [];
}
