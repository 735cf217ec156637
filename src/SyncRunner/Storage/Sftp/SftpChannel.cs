namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// One SFTP version 3 session over the stdin/stdout of an OpenSSH client process
/// (draft-ietf-secsh-filexfer-02). Many requests may be in flight at once from many threads: each gets a
/// request id, and a reader loop hands each reply to the waiting request.
/// </summary>
/// <remarks>
/// <para>Four parts: the ssh process (<see cref="SshProcess"/>), the requests in flight and the reader of their replies
/// (<see cref="SftpMultiplexer"/>), the writer of requests to the pipe (<see cref="SftpOutbox"/>), and here the session
/// (handshake, limits, shares of the pipeline) and its operations (<c>SftpChannel.Operations.cs</c>).</para>
/// <para>A request cancelled while waiting for its reply is abandoned (its reply is discarded when it arrives);
/// the write of a request to the pipe is never interrupted half-way, so the stream stays in step.
/// When the ssh process exits or the pipe breaks, every pending and later request fails with a
/// <see cref="StorageErrorKind.Transient"/> <see cref="StorageException"/> that quotes ssh's stderr.</para>
/// </remarks>
internal sealed partial class SftpChannel : IAsyncDisposable
{
    private const string PosixRename = "posix-rename@openssh.com";

    private readonly SshProcess _ssh;
    private readonly SftpOutbox _outbox;
    private readonly SftpMultiplexer _mux;
    private readonly string _displayName;
    private readonly Dictionary<string, string> _extensions = new(StringComparer.Ordinal);
    private int _writers;
    private int _readers;
    private int _disposed;

    private SftpChannel(SshProcess ssh, string displayName)
    {
        _ssh = ssh;
        _displayName = displayName;
        _outbox = new SftpOutbox(ssh.Input, displayName);
        _mux = new SftpMultiplexer(ssh, _outbox, displayName);
    }

    /// <summary>The server's SFTP protocol version (3 for OpenSSH).</summary>
    public uint ServerVersion { get; private set; }

    /// <summary>Extensions the server announced in SSH_FXP_VERSION (name → data).</summary>
    public IReadOnlyDictionary<string, string> Extensions => _extensions;

    /// <summary>Whether the server offers <c>posix-rename@openssh.com</c> (a rename that replaces the target atomically).</summary>
    public bool HasPosixRename => _extensions.ContainsKey(PosixRename);

    /// <summary>Largest READ length the server serves whole, in bytes: from <c>limits@openssh.com</c>, else the
    /// 32,768 bytes every server must accept (draft-ietf-secsh-filexfer-02, section 3).</summary>
    public int MaxReadLength { get; private set; } = 32768;

    /// <summary>Largest WRITE length the server accepts, in bytes (as <see cref="MaxReadLength"/>).</summary>
    public int MaxWriteLength { get; private set; } = 32768;

    /// <summary>Whether the session can still carry requests.</summary>
    public bool IsAlive => _mux.Fault is null && _disposed == 0;

    /// <summary>Requests waiting for their reply.</summary>
    public int InFlight => _mux.InFlight;

    /// <summary>The ssh process id (for tests and diagnostics).</summary>
    public int ProcessId => _ssh.Id;

    /// <summary>Requests sent so far; also the highest request id.</summary>
    public int RequestsSent => _mux.RequestsSent;

    /// <summary>Bytes of WRITE data moved from local files into the pipe by <c>splice</c>, without a copy (for tests and diagnostics).</summary>
    public long BytesSpliced => _outbox.BytesSpliced;

    /// <summary>Most requests seen in flight at once since the session started (shows pipelining at work).</summary>
    public int MaxInFlightObserved => _mux.MaxInFlightObserved;

    /// <summary>Starts ssh and performs the SSH_FXP_INIT / SSH_FXP_VERSION exchange within <c>handshakeTimeout</c>.</summary>
    /// <exception cref="StorageException">ssh failed to start, to connect, to authenticate or to verify the host key.</exception>
    public static async Task<SftpChannel> StartAsync(SshCommandLine command, string displayName, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        var channel = new SftpChannel(SshProcess.Start(command, displayName), displayName);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(handshakeTimeout);
        try
        {
            await channel.HandshakeAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw new StorageException(StorageErrorKind.Transient, $"Cannot open an SFTP session to {displayName}: no SFTP version reply within {handshakeTimeout.TotalSeconds:0} s. ssh said: {channel.StderrText()}");
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        try
        {
            await channel.ReadLimitsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return channel;
    }

    /// <summary>The last lines ssh wrote to stderr, joined (never contains a password: ssh does not print it).</summary>
    public string StderrText() => _ssh.StderrText();

    /// <summary>Counts a file being read through this session, for <see cref="ReadShare"/>; call <see cref="LeaveReaders"/> when it is done.</summary>
    public void JoinReaders() => Interlocked.Increment(ref _readers);

    /// <summary>Ends what <see cref="JoinReaders"/> began.</summary>
    public void LeaveReaders() => Interlocked.Decrement(ref _readers);

    /// <summary>
    /// READs one file may keep in flight now: the files reading through this session share
    /// <paramref name="sessionBudget"/> requests, each at least 2 and at most <paramref name="maxDepth"/>.
    /// </summary>
    public int ReadShare(int maxDepth, int sessionBudget) => Share(Volatile.Read(ref _readers), maxDepth, sessionBudget);

    /// <summary>Whether <see cref="PostSplicedWrite"/> can move file data into the pipe to ssh without copying (Linux).</summary>
    public bool CanSplice => _outbox.CanSplice;

    /// <summary>
    /// A window for the pipelined WRITEs of one open file: the files writing through this session at once share
    /// <paramref name="sessionBudget"/> requests in flight, each at least 2 and at most <paramref name="maxDepth"/>.
    /// Dispose it when the file is done.
    /// </summary>
    public SftpWriteWindow CreateWriteWindow(int maxDepth, int sessionBudget)
    {
        Interlocked.Increment(ref _writers);
        return new SftpWriteWindow(
            () => Share(Volatile.Read(ref _writers), maxDepth, sessionBudget),
            CheckWriteStatus,
            () => Interlocked.Decrement(ref _writers));
    }

    /// <summary>One file's share of <paramref name="sessionBudget"/> requests among <paramref name="files"/>: at least 2, at most <paramref name="maxDepth"/>.</summary>
    private static int Share(int files, int maxDepth, int sessionBudget) =>
        Math.Clamp(sessionBudget / Math.Max(1, files), Math.Min(2, maxDepth), Math.Max(1, maxDepth));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _mux.Closing = true;
        await _ssh.StopAsync().ConfigureAwait(false); // EOF on stdin: ssh closes the session and exits
        await _mux.ReaderStoppedAsync().ConfigureAwait(false); // the reader records its failure in the fault
        _mux.Fail(new StorageException(StorageErrorKind.Transient, $"SFTP session to {_displayName} was closed."));
        _ssh.Dispose();
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        _mux.StartReader(); // its first packet is the VERSION reply
        using (var init = new SftpPacketWriter(SftpPacketType.Init))
        {
            init.WriteUInt32(3);
            try
            {
                _ssh.Input.Write(init.Packet.Span);
                _ssh.Input.Flush();
            }
            catch (IOException e)
            {
                throw await _ssh.StartupFailureAsync(e).ConfigureAwait(false);
            }
        }

        SftpReply? reply = await _mux.VersionReply.WaitAsync(cancellationToken).ConfigureAwait(false)
            ?? throw await _ssh.StartupFailureAsync(null).ConfigureAwait(false);
        using (reply)
        {
            if (reply.Type != SftpPacketType.Version)
            {
                throw new StorageException(StorageErrorKind.Other, $"SFTP server at {_displayName} did not answer INIT with VERSION (got {reply.Type}).");
            }

            ServerVersion = reply.ReadUInt32();
            while (reply.Remaining > 0)
            {
                string name = reply.ReadString();
                string data = reply.ReadString();
                _extensions[name] = data;
            }
        }
    }

    /// <summary>Asks for <c>limits@openssh.com</c> (OpenSSH's PROTOCOL file, section 4.8) when the server offers it.</summary>
    private async Task ReadLimitsAsync(CancellationToken cancellationToken)
    {
        const string Limits = "limits@openssh.com";
        if (!_extensions.ContainsKey(Limits))
        {
            return;
        }

        var packet = _mux.Begin(SftpPacketType.Extended, out uint id);
        packet.WriteString(Limits);
        using SftpReply reply = await _mux.SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
        if (reply.Type != SftpPacketType.ExtendedReply)
        {
            return;
        }

        reply.ReadUInt64(); // max packet length
        ulong read = reply.ReadUInt64();
        ulong write = reply.ReadUInt64();
        if (read > 0)
        {
            MaxReadLength = (int)Math.Min(read, 1024 * 1024);
        }

        if (write > 0)
        {
            MaxWriteLength = (int)Math.Min(write, 1024 * 1024);
        }
    }
}
