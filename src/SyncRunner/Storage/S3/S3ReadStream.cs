using System.Buffers;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// A forward-only stream over [start, end) of an object that fetches the next ranges in parallel ahead of the
/// reader (<see cref="S3StorageOptions.DownloadConcurrency"/> ranges of <see cref="S3StorageOptions.DownloadChunkSize"/>
/// bytes), so one sequential reader gets the throughput of several connections. An object that fits in the first range
/// costs exactly one GET. <see cref="ModifiedTime"/> comes from the first response's headers. Each range's buffer goes
/// back to <see cref="S3Storage.Buffers"/> once read (or, for ranges fetched ahead, when the stream is disposed).
/// </summary>
internal sealed class S3ReadStream : ReadOnlyStream, IObjectReadInfo
{
    private readonly S3Storage owner;
    private readonly string key;
    private readonly string? etag;
    private readonly long end;
    private readonly long chunk;
    private readonly int concurrency;
    private readonly Queue<Task<S3Storage.RangeResult>> ahead = new();
    private readonly CancellationTokenSource disposed = new();
    private ReadOnlyMemory<byte> current;
    private byte[]? currentBuffer;
    private S3GetObjectClient.Response? body;
    private Stream? bodyStream;
    private long nextFetch;
    private long position;

    public S3ReadStream(S3Storage owner, string key, string? etag, S3Storage.RangeResult? first, long start, long end, DateTimeOffset? modifiedTime)
    {
        ModifiedTime = modifiedTime;
        this.owner = owner;
        this.key = key;
        this.etag = etag;
        this.end = end;
        chunk = Math.Max(owner.Options.DownloadChunkSize, 1);
        concurrency = Math.Max(owner.Options.DownloadConcurrency, 1);
        if (first?.Body is { } response)
        {
            // Streamed: the whole rest of the object comes through this one response.
            body = response;
            bodyStream = response.Body;
            current = default;
            position = start;
            nextFetch = end;
            return;
        }

        if (first is not null)
        {
            currentBuffer = first.Buffer;
            current = first.Data[..(int)Math.Min(first.Length, Math.Max(end - start, 0))];
        }

        position = start;
        nextFetch = start + current.Length;
        FillAhead();
    }

    public DateTimeOffset? ModifiedTime { get; }

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
        if (body is not null)
        {
            int read = await ReadBodyAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read >= 0)
            {
                return read;
            }
        }

        while (current.IsEmpty)
        {
            ReturnCurrent();
            if (ahead.Count == 0)
            {
                return 0;
            }

            S3Storage.RangeResult range = await ahead.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
            currentBuffer = range.Buffer;
            if (range.Length == 0)
            {
                ReturnCurrent();
                throw new StorageException(StorageErrorKind.Other, $"S3 GetObject of key '{key}' in {owner.DisplayName} ended early at byte {position} of {end}.");
            }

            current = range.Data;
            FillAhead();
        }

        int n = Math.Min(buffer.Length, current.Length);
        current[..n].CopyTo(buffer);
        current = current[n..];
        position += n;
        if (current.IsEmpty)
        {
            ReturnCurrent();
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed.IsCancellationRequested)
        {
            disposed.Cancel();
            ArrayPool<byte> buffers = owner.Buffers;
            foreach (Task<S3Storage.RangeResult> task in ahead)
            {
                // Observe read-ahead failures nobody will read; give back the buffers of ranges nobody will read.
                _ = task.ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            buffers.Return(t.Result.Buffer);
                        }
                        else
                        {
                            _ = t.Exception;
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            ahead.Clear();
            ReturnCurrent();
            CloseBody();
            disposed.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads from the streamed response; at its end or on a failure midway closes it and returns -1 after a
    /// failure (the caller continues with ranged GETs from <see cref="position"/>), 0 at the end.</summary>
    private async ValueTask<int> ReadBodyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (position >= end)
        {
            CloseBody();
            return 0;
        }

        int n;
        try
        {
            n = await bodyStream!.ReadAsync(buffer[..(int)Math.Min(buffer.Length, end - position)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            n = 0;
        }

        if (n > 0)
        {
            position += n;
            return n;
        }

        // A reset or truncated response: fetch the rest with ranged GETs (each retried), pinned to the first ETag.
        CloseBody();
        nextFetch = position;
        FillAhead();
        return -1;
    }

    private void CloseBody()
    {
        bodyStream = null;
        body?.Dispose();
        body = null;
    }

    private void ReturnCurrent()
    {
        current = default;
        if (currentBuffer is { } b)
        {
            currentBuffer = null;
            owner.Buffers.Return(b);
        }
    }

    private void FillAhead()
    {
        while (ahead.Count < concurrency && nextFetch < end)
        {
            long count = Math.Min(chunk, end - nextFetch);
            ahead.Enqueue(owner.FetchRangeAsync(key, etag, nextFetch, count, disposed.Token));
            nextFetch += count;
        }
    }
}
