using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// Many requests of one session in flight at once, from many threads: each gets a request id and a place its reply
/// goes (<see cref="ISftpReplyTarget"/>), requests leave through the <see cref="SftpOutbox"/>, and a reader thread hands
/// each reply to the request with its id (draft-ietf-secsh-filexfer-02, section 3: replies may come in any order).
/// </summary>
/// <remarks>
/// A request cancelled while waiting for its reply is abandoned (its reply is discarded when it arrives). When the
/// ssh process exits or the pipe breaks, every pending and later request fails with one error
/// (<see cref="SshProcess.ConnectionLost"/>), which quotes ssh's stderr.
/// </remarks>
internal sealed class SftpMultiplexer
{
    private const int MaxPacketLength = 4 * 1024 * 1024;

    private readonly SshProcess _ssh;
    private readonly SftpOutbox _outbox;
    private readonly string _displayName;
    private readonly ConcurrentDictionary<uint, ISftpReplyTarget> _pending = new();
    private readonly TaskCompletionSource _readerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SftpReply?> _version = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _readerStarted;
    private int _nextId;
    private volatile StorageException? _fault;
    private volatile bool _closing;

    /// <summary>Creates the multiplexer of a session; <see cref="StartReader"/> starts reading replies.</summary>
    /// <param name="ssh">The ssh process whose stdout carries the replies.</param>
    /// <param name="outbox">Where requests leave.</param>
    /// <param name="displayName">The storage as messages name it.</param>
    public SftpMultiplexer(SshProcess ssh, SftpOutbox outbox, string displayName)
    {
        _ssh = ssh;
        _outbox = outbox;
        _displayName = displayName;
    }

    /// <summary>Why the session failed, or <see langword="null"/> while it works.</summary>
    public StorageException? Fault => _fault;

    /// <summary>Requests waiting for their reply.</summary>
    public int InFlight => _pending.Count;

    /// <summary>Requests sent so far; also the highest request id.</summary>
    public int RequestsSent => Volatile.Read(ref _nextId);

    /// <summary>Most requests seen in flight at once since the session started (shows pipelining at work).</summary>
    public int MaxInFlightObserved { get; private set; }

    /// <summary>Whether the session is being closed: the reader then does not wait for ssh to explain an end of stream.</summary>
    public bool Closing { get => _closing; set => _closing = value; }

    /// <summary>The first packet the server sent (SSH_FXP_VERSION), or <see langword="null"/> when the stream ended first.</summary>
    public Task<SftpReply?> VersionReply => _version.Task;

    /// <summary>Starts a request packet with the next request id.</summary>
    /// <param name="type">The request type.</param>
    /// <param name="id">The request id written into it.</param>
    /// <param name="capacity">The initial buffer size in bytes.</param>
    /// <returns>The packet, to complete and <see cref="Post"/> or <see cref="SendAsync"/>.</returns>
    public SftpPacketWriter Begin(SftpPacketType type, out uint id, int capacity = 256)
    {
        id = (uint)Interlocked.Increment(ref _nextId);
        var packet = new SftpPacketWriter(type, capacity);
        packet.WriteUInt32(id);
        return packet;
    }

    /// <summary>Sends a request and waits for its reply.</summary>
    /// <param name="packet">The request, from <see cref="Begin"/>.</param>
    /// <param name="id">Its request id.</param>
    /// <param name="cancellationToken">Abandons the request (its reply is discarded).</param>
    /// <returns>The reply; the caller disposes it.</returns>
    /// <exception cref="StorageException">The session failed.</exception>
    /// <exception cref="OperationCanceledException">The request was abandoned.</exception>
    public async Task<SftpReply> SendAsync(SftpPacketWriter packet, uint id, CancellationToken cancellationToken)
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
    /// <param name="packet">The request, from <see cref="Begin"/>; disposed once written.</param>
    /// <param name="id">Its request id.</param>
    /// <param name="target">Where the reply goes.</param>
    public void Post(SftpPacketWriter packet, uint id, ISftpReplyTarget target)
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

        try
        {
            _outbox.Send(packet);
        }
        catch (Exception e)
        {
            // A broken pipe to ssh ends the session for every request, this one included.
            Fail(ConnectionLost(e));
            return;
        }

        if (_fault is { } fault && _pending.TryRemove(id, out ISftpReplyTarget? missed))
        {
            missed.OnFailed(fault); // the session failed while this request was being queued
        }
    }

    /// <summary>
    /// Starts the thread that reads the session's replies, from the VERSION reply on. A thread of its own, reading with
    /// blocking calls: one thread per session costs less than an asynchronous read per reply, each a wake-up and a
    /// hand-over between threads (the pipe is never used asynchronously, so .NET keeps it in blocking mode and out of
    /// its socket event loop).
    /// </summary>
    public void StartReader()
    {
        _readerStarted = true;
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "sftp-reader" };
        thread.Start();
    }

    /// <summary>Waits until the reader thread has ended (at once when it never started).</summary>
    /// <returns>A task that completes when it has.</returns>
    public Task ReaderStoppedAsync() => _readerStarted ? _readerDone.Task : Task.CompletedTask;

    /// <summary>Fails every pending request and every later one with <paramref name="error"/> (the first failure wins).</summary>
    /// <param name="error">Why the session failed.</param>
    public void Fail(StorageException error)
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
        if (!Closing)
        {
            _ssh.WaitForExit(TimeSpan.FromSeconds(2)); // so that its stderr (the reason) is complete
        }

        Fail(ConnectionLost(error));
        _readerDone.TrySetResult();
    }

    private SftpReply? ReadPacket(byte[] header)
    {
        if (_ssh.Output.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
        {
            return null;
        }

        byte[] buffer = RentReplyBuffer(header);
        try
        {
            _ssh.Output.ReadExactly(buffer.AsSpan(0, BinaryPrimitives.ReadInt32BigEndian(header)));
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

    private StorageException ConnectionLost(Exception? inner) => _fault ?? _ssh.ConnectionLost(inner);
}
