namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>Tuning and ssh settings of an <see cref="SftpStorage"/>.</summary>
public sealed class SftpStorageOptions
{
    /// <summary>The OpenSSH client to run. <value>Default: <c>ssh</c> (found on <c>PATH</c>).</value></summary>
    public string SshPath { get; init; } = "ssh";

    /// <summary>
    /// Most ssh processes (SFTP sessions) kept open at once; each carries many requests, of several files at once.
    /// <value>Default: the number of processors, at most 4.</value>
    /// </summary>
    /// <remarks>
    /// Each session's ssh process encrypts everything it carries; more of them than processors only adds context
    /// switches (measured on 2 cores: 10 × 100 MiB uploaded in 2.3–2.6 s over 2 sessions, 2.3–2.9 s over 4, with
    /// more CPU; bench/RESULTS-sftp.md). Over long round trips more sessions add throughput, as each is bounded by
    /// its SSH channel window (2 MiB per round trip with OpenSSH): raise it there.
    /// </remarks>
    public int MaxConnections { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// Bytes per READ or WRITE request, capped by what the server announces with <c>limits@openssh.com</c> (OpenSSH:
    /// 261,120) or, without that, by the 32,768 bytes every server must accept. <value>Default: 262,144 bytes (256 KiB).</value>
    /// </summary>
    /// <remarks>
    /// Large requests mean few packets through the pipe to ssh, and few wake-ups of ssh and of Ferry's threads per
    /// byte. With 64 KiB requests a 1 GB upload ran at 1.9–2.9 s or, in a scheduling pattern where ssh and Ferry
    /// woke each other for every packet (three times the context switches), 3.3–4.2 s; with OpenSSH's largest,
    /// 2.4–2.8 s in both (bench/RESULTS-sftp.md).
    /// </remarks>
    public int ChunkSize { get; init; } = 256 * 1024;

    /// <summary>READ or WRITE requests in flight per open file (pipelining). <value>Default: 64.</value></summary>
    public int MaxRequestsInFlight { get; init; } = 64;

    /// <summary>
    /// READ or WRITE data in flight per SFTP session, in bytes, shared by the files reading (or writing) through it at
    /// once; each keeps at least 2 requests and at most <see cref="MaxRequestsInFlight"/>.
    /// <value>Default: 2 MiB (2,097,152 bytes).</value>
    /// </summary>
    /// <remarks>
    /// OpenSSH's session channel window is 2 MiB, so no more than that can be on its way at once; requests beyond it
    /// only wait in pipes and buffers, at the cost of memory and cache misses on both sides. The default matches
    /// OpenSSH's own <c>sftp</c> client (64 requests of 32 KiB).
    /// </remarks>
    public long MaxBytesInFlightPerSession { get; init; } = 2 * 1024 * 1024;

    /// <summary>ssh's <c>ConnectTimeout</c>, in seconds. <value>Default: 30 seconds.</value></summary>
    public int ConnectTimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// Whether an unknown or changed host key is refused (<c>StrictHostKeyChecking=yes</c>). Turning it off
    /// uses <c>accept-new</c> (a changed key is still refused), never <c>no</c>. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool StrictHostKeyChecking { get; init; } = true;

    /// <summary>
    /// Ciphers ssh should prefer, comma-separated, passed as <c>-o Ciphers=^LIST</c>: they are moved to the head of
    /// ssh's default list, and every other default cipher stays allowed after them, so negotiation succeeds wherever
    /// it did without this. <see langword="null"/> or empty passes nothing and leaves the choice to ssh and ssh_config.
    /// <value>Default: <c>aes128-gcm@openssh.com,aes256-gcm@openssh.com</c>.</value>
    /// </summary>
    /// <remarks>
    /// OpenSSH's own first choice, chacha20-poly1305, costs several times the CPU of AES-GCM on processors with AES
    /// instructions, on the client and on the server; Go's SSH library (used by rclone) prefers AES-GCM too. A
    /// command-line <c>-o Ciphers</c> takes precedence over a <c>Ciphers</c> line in ssh_config (ssh_config(5): the
    /// first value obtained is used): set this to <see langword="null"/> to keep ssh_config's, or give
    /// <c>Ciphers=…</c> in <see cref="ExtraSshOptions"/>, which then wins. Requires OpenSSH 8.3 or later (the
    /// <c>^</c> prefix).
    /// </remarks>
    public string? PreferredCiphers { get; init; } = "aes128-gcm@openssh.com,aes256-gcm@openssh.com";

    /// <summary>Extra <c>-o Name=value</c> options for ssh, in order. <value>Default: none.</value></summary>
    public IReadOnlyList<string> ExtraSshOptions { get; init; } = [];
}
