namespace Ferry.SyncRunner.Execution;

/// <summary>A read-only stream that takes tokens from a <see cref="BandwidthLimiter"/> for every byte read; disposes the inner stream.</summary>
internal sealed class ThrottledReadStream(Stream inner, BandwidthLimiter limiter) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Small reads keep the flow smooth under a low limit.
        int max = (int)Math.Clamp(limiter.BytesPerSecond / 20, 4096, buffer.Length);
        int n = await inner.ReadAsync(buffer[..Math.Min(max, buffer.Length)], cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            await limiter.TakeAsync(n, cancellationToken).ConfigureAwait(false);
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
