namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// A read-only, forward-only stream over an open remote file that keeps up to a number of READ requests
/// in flight (pipelining, as OpenSSH's own sftp client does), so throughput is not bound by round trips.
/// </summary>
/// <remarks>
/// A short DATA reply before the expected end makes the stream discard the requests after it and continue
/// from where the data stopped; SSH_FX_EOF ends the stream (draft-ietf-secsh-filexfer-02, section 6.4).
/// </remarks>
internal sealed class SftpReadStream : Stream
{
    private readonly SftpConnectionPool.Lease _lease;
    private readonly byte[] _handle;
    private readonly long _end;
    private readonly int _chunkSize;
    private readonly int _maxInFlight;
    private readonly int _sessionBudget;
    private readonly CancellationToken _openToken;
    private readonly Queue<(long Offset, int Length, Task<SftpData?> Reply)> _queue = new();
    private long _next;
    private long _position;
    private SftpData? _current;
    private int _currentPosition;
    private bool _eof;
    private int _window = 2;
    private int _disposed;

    public SftpReadStream(SftpConnectionPool.Lease lease, byte[] handle, long offset, long end, int chunkSize, int maxInFlight, int sessionBudget, CancellationToken cancellationToken)
    {
        _lease = lease;
        _sessionBudget = sessionBudget;
        lease.Channel.JoinReaders();
        _handle = handle;
        _next = offset;
        _end = end;
        _chunkSize = chunkSize;
        _maxInFlight = Math.Max(1, maxInFlight);
        _openToken = cancellationToken;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (true)
        {
            if (_current is not null && _currentPosition < _current.Count)
            {
                int n = Math.Min(buffer.Length, _current.Count - _currentPosition);
                _current.Span.Slice(_currentPosition, n).CopyTo(buffer.Span);
                _currentPosition += n;
                _position += n;
                return n;
            }

            _current?.Dispose();
            _current = null;
            if (_eof)
            {
                return 0;
            }

            Fill();
            if (_queue.Count == 0)
            {
                _eof = true;
                return 0;
            }

            (long offset, int length, Task<SftpData?> reply) = _queue.Dequeue();
            SftpData? data = await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (data is null)
            {
                _eof = true;
                Abandon();
                return 0;
            }

            if (data.Count < length)
            {
                Abandon();
                _next = offset + data.Count;
            }

            _current = data;
            _currentPosition = 0;
            _window = Math.Min(_window * 2, _lease.Channel.ReadShare(_maxInFlight, _sessionBudget)); // slow start: small files do not flood the pipe
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _current?.Dispose();
            _current = null;
            Abandon();
            _ = _lease.Channel.CloseQuietlyAsync(_handle); // the reply is not needed: no round trip per file
            _lease.Channel.LeaveReaders();
            _lease.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Fill()
    {
        while (_queue.Count < _window && _next < _end)
        {
            int length = (int)Math.Min(_chunkSize, _end - _next);
            _queue.Enqueue((_next, length, _lease.Channel.ReadAsync(_handle, (ulong)_next, length, _openToken)));
            _next += length;
        }
    }

    private void Abandon()
    {
        while (_queue.Count > 0)
        {
            Task<SftpData?> reply = _queue.Dequeue().Reply;
            _ = reply.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result?.Dispose();
                    }
                    else
                    {
                        _ = t.Exception; // observed
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
