using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// One SFTP version 3 session over the stdin/stdout of an OpenSSH client process
/// (draft-ietf-secsh-filexfer-02). Many requests may be in flight at once from many threads: each gets a
/// request id, and a reader loop hands each reply to the waiting request.
/// </summary>
/// <remarks>
/// A request cancelled while waiting for its reply is abandoned (its reply is discarded when it arrives);
/// the write of a request to the pipe is never interrupted half-way, so the stream stays in step.
/// When the ssh process exits or the pipe breaks, every pending and later request fails with a
/// <see cref="StorageErrorKind.Transient"/> <see cref="StorageException"/> that quotes ssh's stderr.
/// </remarks>
internal sealed class SftpChannel : IAsyncDisposable
{
    private const int MaxPacketLength = 4 * 1024 * 1024;
    private const string PosixRename = "posix-rename@openssh.com";
    private const int BatchLength = 64 * 1024;
    private const int DirectWriteThreshold = 8 * 1024;

    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly string _displayName;
    private readonly ConcurrentDictionary<uint, ISftpReplyTarget> _pending = new();
    private readonly ConcurrentQueue<SftpPacketWriter> _outbox = new();
    private readonly Queue<string> _stderr = new();
    private readonly Dictionary<string, string> _extensions = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SftpReply?> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _readerStarted;
    private int _nextId;
    private int _writers;
    private int _readers;
    private long _bytesSpliced;
    private int _writing;
    private byte[]? _batch;
    private volatile StorageException? _fault;
    private int _disposed;

    private SftpChannel(Process process, string displayName)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        Stream output = process.StandardOutput.BaseStream;
        PipeBuffers.Enlarge(_input);
        PipeBuffers.Enlarge(output);

        // Replies are read 4 bytes (length), then the body: buffering turns that into few large reads.
        _output = new BufferedStream(output, 256 * 1024);
        _displayName = displayName;
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
    public bool IsAlive => _fault is null && _disposed == 0;

    /// <summary>Requests waiting for their reply.</summary>
    public int InFlight => _pending.Count;

    /// <summary>The ssh process id (for tests and diagnostics).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Requests sent so far; also the highest request id.</summary>
    public int RequestsSent => Volatile.Read(ref _nextId);

    /// <summary>Bytes of WRITE data moved from local files into the pipe by <c>splice</c>, without a copy (for tests and diagnostics).</summary>
    public long BytesSpliced => Interlocked.Read(ref _bytesSpliced);

    /// <summary>Most requests seen in flight at once since the session started (shows pipelining at work).</summary>
    public int MaxInFlightObserved { get; private set; }

    /// <summary>Starts ssh and performs the SSH_FXP_INIT / SSH_FXP_VERSION exchange within <c>handshakeTimeout</c>.</summary>
    /// <exception cref="StorageException">ssh failed to start, to connect, to authenticate or to verify the host key.</exception>
    public static async Task<SftpChannel> StartAsync(SshCommandLine command, string displayName, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        Process process;
        try
        {
            process = Process.Start(command.ToStartInfo()) ?? throw new InvalidOperationException("ssh did not start.");
        }
        catch (Win32Exception e)
        {
            throw new StorageException(StorageErrorKind.Other, $"Cannot run the OpenSSH client '{command.FileName}' for {displayName}: {e.Message}", e);
        }

        var channel = new SftpChannel(process, displayName);
        process.ErrorDataReceived += (_, e) => channel.OnStderr(e.Data);
        process.BeginErrorReadLine();
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

    public async Task<byte[]> OpenAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.Open, out uint id);
        packet.WriteString(path);
        packet.WriteUInt32((uint)flags);
        packet.WriteAttributes(attributes);
        return await ExpectHandleAsync(SendAsync(packet, id, cancellationToken), "open", path).ConfigureAwait(false);
    }

    public Task CloseAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.Close, out uint id);
        packet.WriteBytes(handle);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), "close", "handle");
    }

    /// <summary>Sends a READ; the reply owns a pooled buffer holding the data (<see langword="null"/> at end of file).</summary>
    public async Task<SftpData?> ReadAsync(byte[] handle, ulong offset, int length, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.Read, out uint id);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        packet.WriteUInt32((uint)length);
        SftpReply reply = await SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Data)
        {
            (int start, int count) = reply.ReadBytesRange();
            return new SftpData(reply, start, count);
        }

        using (reply)
        {
            SftpStatusCode code = ReadStatus(reply, out string message);
            if (code == SftpStatusCode.Eof)
            {
                return null;
            }

            throw StatusError(code, message, "read", "file");
        }
    }

    /// <summary>
    /// Starts a WRITE of at most <paramref name="maxLength"/> bytes at <paramref name="offset"/> whose data the caller
    /// reads straight into <see cref="SftpWriteRequest.Data"/>; send it with <see cref="PostWrite"/> or dispose it.
    /// </summary>
    public SftpWriteRequest BeginWrite(byte[] handle, ulong offset, int maxLength)
    {
        var packet = Begin(SftpPacketType.Write, out uint id, maxLength + handle.Length + 64);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        return new SftpWriteRequest(packet, id, packet.ReserveBytes(maxLength));
    }

    public Task<SftpAttributes> StatAsync(string path, CancellationToken cancellationToken) =>
        PathAttributesAsync(SftpPacketType.Stat, path, cancellationToken);

    public Task<SftpAttributes> LStatAsync(string path, CancellationToken cancellationToken) =>
        PathAttributesAsync(SftpPacketType.LStat, path, cancellationToken);

    public async Task<SftpAttributes> FStatAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.FStat, out uint id);
        packet.WriteBytes(handle);
        return await ExpectAttributesAsync(SendAsync(packet, id, cancellationToken), "fstat", "handle").ConfigureAwait(false);
    }

    public Task SetStatAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.SetStat, out uint id);
        packet.WriteString(path);
        packet.WriteAttributes(attributes);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), "setstat", path);
    }

    public Task<byte[]> OpenDirAsync(string path, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.OpenDir, out uint id);
        packet.WriteString(path);
        return ExpectHandleAsync(SendAsync(packet, id, cancellationToken), "opendir", path);
    }

    /// <summary>Reads the next batch of directory entries, or <see langword="null"/> at the end.</summary>
    public async Task<IReadOnlyList<SftpName>?> ReadDirAsync(byte[] handle, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.ReadDir, out uint id);
        packet.WriteBytes(handle);
        using SftpReply reply = await SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Name)
        {
            return ReadNames(reply);
        }

        SftpStatusCode code = ReadStatus(reply, out string message);
        return code == SftpStatusCode.Eof ? null : throw StatusError(code, message, "readdir", "directory");
    }

    /// <summary>Reads a whole directory (without <c>.</c> and <c>..</c>).</summary>
    public async Task<List<SftpName>> ReadWholeDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        byte[] handle = await OpenDirAsync(path, cancellationToken).ConfigureAwait(false);
        var names = new List<SftpName>();
        try
        {
            while (await ReadDirAsync(handle, cancellationToken).ConfigureAwait(false) is { } batch)
            {
                foreach (SftpName name in batch)
                {
                    if (name.FileName is not ("." or ".."))
                    {
                        names.Add(name);
                    }
                }
            }
        }
        finally
        {
            await CloseQuietlyAsync(handle).ConfigureAwait(false);
        }

        return names;
    }

    public Task RemoveAsync(string path, CancellationToken cancellationToken) => PathStatusAsync(SftpPacketType.Remove, "remove", path, cancellationToken);

    public Task MkDirAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.MkDir, out uint id);
        packet.WriteString(path);
        packet.WriteAttributes(attributes);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), "mkdir", path);
    }

    public Task RmDirAsync(string path, CancellationToken cancellationToken) => PathStatusAsync(SftpPacketType.RmDir, "rmdir", path, cancellationToken);

    /// <summary>Renames; with <paramref name="replace"/> and posix-rename@openssh.com offered, an existing target is replaced atomically.</summary>
    public Task RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken)
    {
        SftpPacketWriter packet;
        uint id;
        if (replace && HasPosixRename)
        {
            packet = Begin(SftpPacketType.Extended, out id);
            packet.WriteString(PosixRename);
        }
        else
        {
            packet = Begin(SftpPacketType.Rename, out id);
        }

        packet.WriteString(oldPath);
        packet.WriteString(newPath);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), "rename", newPath);
    }

    public async Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.ReadLink, out uint id);
        packet.WriteString(path);
        return await ExpectSingleNameAsync(SendAsync(packet, id, cancellationToken), "readlink", path).ConfigureAwait(false);
    }

    /// <summary>Creates a symbolic link at <paramref name="linkPath"/> pointing to <paramref name="targetPath"/>.</summary>
    /// <remarks>
    /// The draft orders the fields linkpath, targetpath; OpenSSH's sftp-server reads them the other way round
    /// (its PROTOCOL file, "SSH_FXP_SYMLINK"), and every client sends them the OpenSSH way. So does this one.
    /// </remarks>
    public Task SymlinkAsync(string linkPath, string targetPath, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.Symlink, out uint id);
        packet.WriteString(targetPath);
        packet.WriteString(linkPath);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), "symlink", linkPath);
    }

    /// <summary>Canonicalises a path on the server (OpenSSH resolves symbolic links too).</summary>
    public async Task<string> RealPathAsync(string path, CancellationToken cancellationToken)
    {
        var packet = Begin(SftpPacketType.RealPath, out uint id);
        packet.WriteString(path);
        return await ExpectSingleNameAsync(SendAsync(packet, id, cancellationToken), "realpath", path).ConfigureAwait(false);
    }

    /// <summary>Closes a handle, ignoring failures, also of a closed session (used on error and dispose paths).</summary>
    public async Task CloseQuietlyAsync(byte[] handle)
    {
        try
        {
            await CloseAsync(handle, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException or InvalidDataException)
        {
        }
    }

    /// <summary>The last lines ssh wrote to stderr, joined (never contains a password: ssh does not print it).</summary>
    public string StderrText()
    {
        lock (_stderr)
        {
            return string.Join(" | ", _stderr);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _input.Dispose(); // EOF on stdin: ssh closes the session and exits
        }
        catch (IOException)
        {
        }

        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (_readerStarted)
        {
            await _readerDone.Task.ConfigureAwait(false); // the reader records its failure in _fault
        }

        Fail(new StorageException(StorageErrorKind.Transient, $"SFTP session to {_displayName} was closed."));
        _process.Dispose();
    }

    /// <summary>Asks for <c>limits@openssh.com</c> (OpenSSH's PROTOCOL file, section 4.8) when the server offers it.</summary>
    private async Task ReadLimitsAsync(CancellationToken cancellationToken)
    {
        const string Limits = "limits@openssh.com";
        if (!_extensions.ContainsKey(Limits))
        {
            return;
        }

        var packet = Begin(SftpPacketType.Extended, out uint id);
        packet.WriteString(Limits);
        using SftpReply reply = await SendAsync(packet, id, cancellationToken).ConfigureAwait(false);
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

    private static SftpStatusCode ReadStatus(SftpReply reply, out string message)
    {
        if (reply.Type != SftpPacketType.Status)
        {
            throw new StorageException(StorageErrorKind.Other, $"Unexpected SFTP reply {reply.Type}.");
        }

        var code = (SftpStatusCode)reply.ReadUInt32();
        message = reply.Remaining >= 4 ? reply.ReadString() : "";
        return code;
    }

    private static List<SftpName> ReadNames(SftpReply reply)
    {
        uint count = reply.ReadUInt32();
        var names = new List<SftpName>((int)Math.Min(count, 1024));
        for (uint i = 0; i < count; i++)
        {
            string fileName = reply.ReadString();
            reply.ReadBytesRange(); // longname, for display only
            names.Add(new SftpName(fileName, reply.ReadAttributes()));
        }

        return names;
    }

    private SftpPacketWriter Begin(SftpPacketType type, out uint id, int capacity = 256)
    {
        id = (uint)Interlocked.Increment(ref _nextId);
        var packet = new SftpPacketWriter(type, capacity);
        packet.WriteUInt32(id);
        return packet;
    }

    private async Task<SftpReply> SendAsync(SftpPacketWriter packet, uint id, CancellationToken cancellationToken)
    {
        var promise = new SftpReplyPromise();
        Post(packet, id, promise);
        if (!cancellationToken.CanBeCanceled)
        {
            return await promise.Task.ConfigureAwait(false);
        }

        using (cancellationToken.Register(static s => ((SftpReplyPromise)s!).TrySetCanceled(), promise))
        {
            try
            {
                return await promise.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _pending.TryRemove(id, out _);
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Queues a request and registers where its reply goes. Never throws: when the session is lost, before or while
    /// the request is written, <paramref name="target"/> is failed instead (and every other pending request with it).
    /// </summary>
    private void Post(SftpPacketWriter packet, uint id, ISftpReplyTarget target)
    {
        if (_fault is { } early)
        {
            packet.Dispose();
            target.OnFailed(early);
            return;
        }

        _pending[id] = target;
        int inFlight = _pending.Count;
        if (inFlight > MaxInFlightObserved)
        {
            MaxInFlightObserved = inFlight;
        }

        // Requests from every thread meet in one outbox; whoever finds no writer at work becomes it and sends all
        // that is queued, small packets gathered into one pipe write (fewer system calls here and fewer wake-ups of
        // ssh, which then packs them into fewer SSH messages).
        _outbox.Enqueue(packet);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            try
            {
                DrainOutbox();
            }
            catch (Exception e)
            {
                // A broken pipe to ssh ends the session for every request, this one included.
                Fail(ConnectionLost(e));
                return;
            }
        }

        if (_fault is { } fault && _pending.TryRemove(id, out ISftpReplyTarget? missed))
        {
            missed.OnFailed(fault); // the session failed while this request was being queued
        }
    }

    /// <summary>
    /// Sends a WRITE begun with <see cref="BeginWrite"/> holding the first <paramref name="length"/> bytes of its
    /// data, for a slot already taken in <paramref name="window"/>, which receives its outcome.
    /// </summary>
    public void PostWrite(SftpWriteRequest request, int length, SftpWriteWindow window)
    {
        SftpPacketWriter packet = request.Detach();
        packet.CommitBytes(length);
        Post(packet, request.Id, window);
    }

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
    public bool CanSplice => FileSplice.IsSupported && _input is PipeStream;

    /// <summary>
    /// Sends a WRITE of <paramref name="length"/> bytes at <paramref name="offset"/> whose data is the bytes at
    /// <paramref name="sourceOffset"/> of the local file <paramref name="source"/>, moved into the pipe by the kernel
    /// when the request's turn comes, for a slot already taken in <paramref name="window"/>. The file must stay open
    /// until the window has drained. Needs <see cref="CanSplice"/>.
    /// </summary>
    public void PostSplicedWrite(byte[] handle, ulong offset, SafeFileHandle source, long sourceOffset, int length, SftpWriteWindow window)
    {
        var packet = Begin(SftpPacketType.Write, out uint id, handle.Length + 64);
        packet.WriteBytes(handle);
        packet.WriteUInt64(offset);
        packet.WriteUInt32((uint)length); // the data string's length; its bytes are the tail
        packet.Tail = new SftpFileSplice(source, sourceOffset, length, window);
        Post(packet, id, window);
    }

    /// <summary>
    /// Sends FSETSTAT (<paramref name="attributes"/>) and CLOSE for a file written through <paramref name="window"/>,
    /// counted in it: their outcomes join the WRITEs', so one <see cref="SftpWriteWindow.DrainAsync"/> tells all, with
    /// one wake-up instead of one per request. OpenSSH's server handles a session's requests in order, so the times are
    /// set after the last byte is written.
    /// </summary>
    public void PostFinish(byte[] handle, SftpAttributes attributes, SftpWriteWindow window)
    {
        var setStat = Begin(SftpPacketType.FSetStat, out uint setStatId);
        setStat.WriteBytes(handle);
        setStat.WriteAttributes(attributes);
        Post(setStat, setStatId, window.Track(reply => CheckStatus(reply, "fsetstat", "handle")));

        var close = Begin(SftpPacketType.Close, out uint closeId);
        close.WriteBytes(handle);
        Post(close, closeId, window.Track(reply => CheckStatus(reply, "close", "handle")));
    }

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

    private Exception? CheckWriteStatus(SftpReply reply) => CheckStatus(reply, "write", "file");

    private Exception? CheckStatus(SftpReply reply, string operation, string path)
    {
        SftpStatusCode code = ReadStatus(reply, out string message);
        return code == SftpStatusCode.Ok ? null : StatusError(code, message, operation, path);
    }

    /// <summary>
    /// Writes queued packets to ssh until the outbox is empty: packets up to <see cref="DirectWriteThreshold"/>
    /// bytes are gathered into one buffer per pipe write, larger ones (WRITE data) go out as they are, uncopied.
    /// Only the thread that set <see cref="_writing"/> runs this; it disposes every packet it takes.
    /// </summary>
    /// <remarks>
    /// The writes block: a pipe has no asynchronous writes on Unix, and
    /// <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> would only run the same blocking
    /// write as a thread-pool work item, one more hand-over per packet. At most one thread per session waits here,
    /// and only while ssh's pipe (1 MiB, <see cref="PipeBuffers"/>) is full.
    /// </remarks>
    private void DrainOutbox()
    {
        try
        {
            while (true)
            {
                byte[] batch = _batch ??= new byte[BatchLength];
                int used = 0;
                while (_outbox.TryDequeue(out SftpPacketWriter? packet))
                {
                    using (packet)
                    {
                        ReadOnlyMemory<byte> data = packet.Packet;
                        if (packet.Tail is { } tail)
                        {
                            if (used > 0)
                            {
                                _input.Write(batch, 0, used);
                                used = 0;
                            }

                            _input.Write(data.Span);
                            WriteTail(tail);
                            continue;
                        }

                        if (data.Length > DirectWriteThreshold || data.Length > batch.Length - used)
                        {
                            if (used > 0)
                            {
                                _input.Write(batch, 0, used);
                                used = 0;
                            }

                            if (data.Length > DirectWriteThreshold)
                            {
                                _input.Write(data.Span);
                                continue;
                            }
                        }

                        data.Span.CopyTo(batch.AsSpan(used));
                        used += data.Length;
                    }
                }

                if (used > 0)
                {
                    _input.Write(batch, 0, used);
                }

                _input.Flush();
                Volatile.Write(ref _writing, 0);

                // A packet queued after the last TryDequeue but before the flag was cleared has no writer yet.
                if (_outbox.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
                {
                    return;
                }
            }
        }
        catch
        {
            // The session is lost (the caller fails it); packets still queued are never sent.
            while (_outbox.TryDequeue(out SftpPacketWriter? dropped))
            {
                dropped.Dispose();
            }

            Volatile.Write(ref _writing, 0);
            throw;
        }
    }

    /// <summary>
    /// Writes a WRITE's data from its file into the pipe: by <c>splice</c>, or through a buffer where the file cannot
    /// be spliced. A file that ends early or fails to read is padded with zeros to the declared length, so the stream
    /// to ssh stays in step, and its upload is failed through the window.
    /// </summary>
    /// <exception cref="IOException">The pipe to ssh is broken (the session is lost).</exception>
    private void WriteTail(SftpFileSplice tail)
    {
        var pipe = (PipeStream)_input;
        long position = tail.Offset;
        int moved = 0;
        Exception? failure = null;
        bool pipeRef = false;
        bool fileRef = false;
        try
        {
            pipe.SafePipeHandle.DangerousAddRef(ref pipeRef);
            tail.Source.DangerousAddRef(ref fileRef);
            int pipeFd = (int)pipe.SafePipeHandle.DangerousGetHandle();
            int fileFd = (int)tail.Source.DangerousGetHandle();
            while (moved < tail.Length)
            {
                nint n = FileSplice.Move(fileFd, ref position, pipeFd, tail.Length - moved);
                if (n > 0)
                {
                    moved += (int)n;
                    Interlocked.Add(ref _bytesSpliced, n);
                    continue;
                }

                if (n == 0)
                {
                    break; // the file ended early
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == FileSplice.Interrupted)
                {
                    continue;
                }

                if (errno == FileSplice.BrokenPipe)
                {
                    throw new IOException($"The pipe to ssh for {_displayName} is broken.");
                }

                // This file or pipe cannot be spliced (EINVAL and the like): copy the rest through memory.
                (int copied, failure) = CopyTail(tail, position, tail.Length - moved);
                moved += copied;
                break;
            }
        }
        finally
        {
            if (fileRef)
            {
                tail.Source.DangerousRelease();
            }

            if (pipeRef)
            {
                pipe.SafePipeHandle.DangerousRelease();
            }
        }

        if (moved < tail.Length)
        {
            byte[] zeros = SftpBuffers.Pool.Rent(Math.Min(tail.Length - moved, 64 * 1024));
            Array.Clear(zeros);
            for (int left = tail.Length - moved; left > 0; left -= Math.Min(left, zeros.Length))
            {
                _input.Write(zeros, 0, Math.Min(left, zeros.Length));
            }

            SftpBuffers.Pool.Return(zeros);
            tail.Window.Poison(new StorageException(
                StorageErrorKind.Invalid,
                $"A local file gave {moved} of {tail.Length} bytes at offset {tail.Offset} while being sent to {_displayName}: it changed or could not be read.",
                failure));
        }
    }

    /// <summary>Copies up to <paramref name="count"/> bytes of the tail's file through memory; a failed file read ends it early (reported), a failed pipe write throws.</summary>
    private (int Copied, Exception? Failure) CopyTail(SftpFileSplice tail, long position, int count)
    {
        byte[] buffer = SftpBuffers.Pool.Rent(Math.Min(count, 64 * 1024));
        int copied = 0;
        try
        {
            while (copied < count)
            {
                int n;
                try
                {
                    n = RandomAccess.Read(tail.Source, buffer.AsSpan(0, Math.Min(count - copied, buffer.Length)), position + copied);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
                {
                    return (copied, e);
                }

                if (n == 0)
                {
                    break;
                }

                _input.Write(buffer, 0, n);
                copied += n;
            }

            return (copied, null);
        }
        finally
        {
            SftpBuffers.Pool.Return(buffer);
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        StartReader(); // its first packet is the VERSION reply, handed over through _version
        using (var init = new SftpPacketWriter(SftpPacketType.Init))
        {
            init.WriteUInt32(3);
            try
            {
                _input.Write(init.Packet.Span);
                _input.Flush();
            }
            catch (IOException e)
            {
                throw await StartupFailureAsync(e).ConfigureAwait(false);
            }
        }

        SftpReply? reply = await _version.Task.WaitAsync(cancellationToken).ConfigureAwait(false)
            ?? throw await StartupFailureAsync(null).ConfigureAwait(false);
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

    private async Task<StorageException> StartupFailureAsync(Exception? inner)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        string stderr = StderrText();
        StorageErrorKind kind = Classify(stderr);
        string hint = stderr.Contains("Host key verification failed", StringComparison.Ordinal) || stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal)
            ? " The server's host key is not in known_hosts (or has changed); add the right key to the known_hosts file."
            : "";
        string exit = _process.HasExited ? $" ssh exited with code {_process.ExitCode}." : "";
        return new StorageException(kind, $"Cannot open an SFTP session to {_displayName}:{exit}{hint} ssh said: {(stderr.Length > 0 ? stderr : "(nothing)")}", inner);
    }

    internal static StorageErrorKind Classify(string stderr)
    {
        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal)
            || stderr.Contains("Permission denied", StringComparison.Ordinal)
            || stderr.Contains("Too many authentication failures", StringComparison.Ordinal))
        {
            return StorageErrorKind.AccessDenied;
        }

        if (stderr.Contains("Could not resolve hostname", StringComparison.Ordinal)
            || stderr.Contains("Bad configuration option", StringComparison.Ordinal)
            || stderr.Contains("subsystem request failed", StringComparison.Ordinal))
        {
            return StorageErrorKind.Other;
        }

        return StorageErrorKind.Transient;
    }

    /// <summary>
    /// Starts the thread that reads the session's replies, from the VERSION reply on. A thread of its own, reading with
    /// blocking calls: one thread per session costs less than an asynchronous read per reply, each a wake-up and a
    /// hand-over between threads (the pipe is never used asynchronously, so .NET keeps it in blocking mode and out of
    /// its socket event loop).
    /// </summary>
    private void StartReader()
    {
        _readerStarted = true;
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "sftp-reader" };
        thread.Start();
    }

    private void ReadLoop()
    {
        Exception? error = null;
        try
        {
            byte[] header = new byte[4];
            SftpReply? version = ReadPacket(header);
            _version.TrySetResult(version);
            while (version is not null && ReadPacket(header) is { } reply)
            {
                uint id = reply.ReadUInt32();
                if (_pending.TryRemove(id, out ISftpReplyTarget? target))
                {
                    target.OnReply(reply);
                }
                else
                {
                    reply.Dispose(); // abandoned by a cancelled request
                }
            }
        }
        catch (Exception e)
        {
            error = e;
        }

        _version.TrySetResult(null); // no VERSION reply: the handshake reports ssh's exit and stderr
        if (_disposed == 0)
        {
            // Give ssh a moment to exit so its stderr (the reason) is complete.
            try
            {
                _process.WaitForExit(TimeSpan.FromSeconds(2));
            }
            catch (InvalidOperationException)
            {
            }
        }

        Fail(ConnectionLost(error));
        _readerDone.TrySetResult();
    }

    private SftpReply? ReadPacket(byte[] header)
    {
        if (_output.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
        {
            return null;
        }

        byte[] buffer = RentReplyBuffer(header);
        try
        {
            _output.ReadExactly(buffer.AsSpan(0, BinaryPrimitives.ReadInt32BigEndian(header)));
        }
        catch (EndOfStreamException)
        {
            SftpBuffers.Pool.Return(buffer);
            return null;
        }
        catch
        {
            SftpBuffers.Pool.Return(buffer);
            throw;
        }

        return new SftpReply(buffer, BinaryPrimitives.ReadInt32BigEndian(header));
    }

    private byte[] RentReplyBuffer(byte[] header)
    {
        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is < 5 or > MaxPacketLength)
        {
            throw new StorageException(StorageErrorKind.Transient, $"SFTP stream from {_displayName} is out of step (packet length {length}).");
        }

        return SftpBuffers.Pool.Rent(length);
    }

    private StorageException ConnectionLost(Exception? inner)
    {
        if (_fault is { } fault)
        {
            return fault;
        }

        string stderr = StderrText();
        StorageErrorKind kind = Classify(stderr);
        return new StorageException(
            kind == StorageErrorKind.AccessDenied ? kind : StorageErrorKind.Transient,
            $"SFTP connection to {_displayName} was lost{(stderr.Length > 0 ? ": ssh said: " + stderr : ".")}",
            inner);
    }

    private void Fail(StorageException error)
    {
        _fault ??= error;
        foreach (uint id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out ISftpReplyTarget? target))
            {
                target.OnFailed(_fault);
            }
        }
    }

    private void OnStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line.Length > 500 ? line[..500] : line);
            while (_stderr.Count > 10)
            {
                _stderr.Dequeue();
            }
        }
    }

    private StorageException StatusError(SftpStatusCode code, string message, string operation, string path) =>
        new SftpStatusException(code, $"SFTP {operation} '{path}' on {_displayName} failed: {(message.Length > 0 ? message : code.ToString())} ({code}).");

    private async Task ExpectStatusAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (CheckStatus(reply, operation, path) is { } failed)
        {
            throw failed;
        }
    }

    private async Task<byte[]> ExpectHandleAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Handle)
        {
            return reply.ReadBytes();
        }

        SftpStatusCode code = ReadStatus(reply, out string message);
        throw StatusError(code == SftpStatusCode.Ok ? SftpStatusCode.BadMessage : code, message, operation, path);
    }

    private async Task<SftpAttributes> ExpectAttributesAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Attrs)
        {
            return reply.ReadAttributes();
        }

        SftpStatusCode code = ReadStatus(reply, out string message);
        throw StatusError(code == SftpStatusCode.Ok ? SftpStatusCode.BadMessage : code, message, operation, path);
    }

    private async Task<string> ExpectSingleNameAsync(Task<SftpReply> request, string operation, string path)
    {
        using SftpReply reply = await request.ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Name)
        {
            List<SftpName> names = ReadNames(reply);
            if (names.Count == 1)
            {
                return names[0].FileName;
            }
        }
        else
        {
            SftpStatusCode code = ReadStatus(reply, out string message);
            throw StatusError(code == SftpStatusCode.Ok ? SftpStatusCode.BadMessage : code, message, operation, path);
        }

        throw StatusError(SftpStatusCode.BadMessage, "expected one name", operation, path);
    }

    private Task<SftpAttributes> PathAttributesAsync(SftpPacketType type, string path, CancellationToken cancellationToken)
    {
        var packet = Begin(type, out uint id);
        packet.WriteString(path);
        return ExpectAttributesAsync(SendAsync(packet, id, cancellationToken), type == SftpPacketType.Stat ? "stat" : "lstat", path);
    }

    private Task PathStatusAsync(SftpPacketType type, string operation, string path, CancellationToken cancellationToken)
    {
        var packet = Begin(type, out uint id);
        packet.WriteString(path);
        return ExpectStatusAsync(SendAsync(packet, id, cancellationToken), operation, path);
    }
}
