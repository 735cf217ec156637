namespace Ferry.SyncRunner.Storage.S3;

/// <summary>A forward-only stream that yields a buffered head, then the rest of another stream (not disposed).</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> head, Stream rest) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> head = head;

    public override int Read(Span<byte> buffer)
    {
        if (!head.IsEmpty)
        {
            int n = Math.Min(buffer.Length, head.Length);
            head.Span[..n].CopyTo(buffer);
            head = head[n..];
            return n;
        }

        return rest.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!head.IsEmpty)
        {
            int n = Math.Min(buffer.Length, head.Length);
            head.Span[..n].CopyTo(buffer.Span);
            head = head[n..];
            return ValueTask.FromResult(n);
        }

        return rest.ReadAsync(buffer, cancellationToken);
    }

}
