using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// Reads bytes [<c>offset</c>, <c>end</c>) of an open local file (to its end of file at most) by positioned reads on
/// its handle; disposes the handle.
/// </summary>
/// <remarks>
/// Reads complete synchronously, <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> included: on Unix a
/// <see cref="FileStream"/> runs every asynchronous read as a blocking read on a thread-pool thread anyway, and a
/// read served from the page cache costs less than that hand-over. The handle is exposed through
/// <see cref="ILocalFileRegion"/> for destinations that move bytes without reading them.
/// </remarks>
internal sealed class LocalFileReadStream(SafeFileHandle handle, long offset, long end) : ReadOnlyStream, ILocalFileRegion
{
    private readonly long _start = offset;
    private long _position = offset;

    public SafeFileHandle Handle => handle;

    public long FileOffset => _position;

    /// <summary>Bytes read (or <see cref="Advance"/>d) so far.</summary>
    public override long Position
    {
        get => _position - _start;
        set => throw new NotSupportedException();
    }

    public void Advance(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _position += count;
    }

    public override int Read(Span<byte> buffer)
    {
        long left = end - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        int n = RandomAccess.Read(handle, buffer[..(int)Math.Min(buffer.Length, left)], _position);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
