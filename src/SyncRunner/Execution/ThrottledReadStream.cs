namespace Ferry.SyncRunner.Execution;

/// <summary>A read-only stream that takes tokens from a <see cref="BandwidthLimiter"/> for every byte read; disposes the inner stream.</summary>
internal sealed class ThrottledReadStream(Stream inner, BandwidthLimiter limiter) : Storage.ReadOnlyStream
{
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
