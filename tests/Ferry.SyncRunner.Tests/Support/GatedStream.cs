namespace Ferry.SyncRunner.Tests.Support;

/// <summary>
/// A source that gives its first <c>releaseAfter</c> bytes, then signals <see cref="Paused"/> and waits for
/// <see cref="Release"/> before the rest (or before failing, with <c>fail</c>): to look at a destination mid-write.
/// </summary>
internal sealed class GatedStream(byte[] data, int releaseAfter, bool fail = false) : Stream
{
    private int _position;

    public TaskCompletionSource Paused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= releaseAfter)
        {
            Paused.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            if (fail)
            {
                throw new IOException("source failed");
            }
        }

        int limit = _position < releaseAfter ? releaseAfter : data.Length;
        int n = Math.Min(buffer.Length, limit - _position);
        data.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
