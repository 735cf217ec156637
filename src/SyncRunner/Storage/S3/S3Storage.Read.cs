using Amazon.Runtime;
using Amazon.S3.Model;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Reads: ranged GETs, in parallel for long reads.</summary>
public sealed partial class S3Storage
{
    /// <summary>
    /// Opens an object for reading. The first range (up to <see cref="S3StorageOptions.DownloadChunkSize"/> bytes) is
    /// fetched before this returns, so a missing key fails here; the stream then fetches the following ranges
    /// <see cref="S3StorageOptions.DownloadConcurrency"/> at a time ahead of the reader, each retried on its own, all
    /// pinned to the first response's ETag (an object replaced mid-read fails the read instead of mixing versions).
    /// </summary>
    /// <param name="key">The object's key.</param>
    /// <param name="offset">First byte to read, in bytes from the start.</param>
    /// <param name="length">Number of bytes to read, or -1 for everything up to the end.</param>
    /// <param name="cancellationToken">Cancels the open; disposing the stream cancels its read-ahead.</param>
    /// <returns>A forward-only stream of the bytes, implementing <see cref="IObjectReadInfo"/> with the object's stored
    /// modification time taken from the first GET response (no extra HEAD); the caller disposes it.</returns>
    /// <exception cref="StorageException">The key is missing (<see cref="StorageErrorKind.NotFound"/>) or the read failed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    public async Task<Stream> OpenReadAsync(string key, long offset = 0, long length = -1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        long chunk = Math.Max(Options.DownloadChunkSize, 1);
        if (length == 0)
        {
            GetObjectMetadataResponse empty = await HeadObjectAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NoSuchKey(key);
            return new S3ReadStream(this, key, null, null, offset, offset, ModifiedTimeOf(empty.LastModified, empty.Metadata));
        }

        RangeResult first;
        try
        {
            first = await FetchRangeAsync(key, null, offset, length < 0 ? chunk : Math.Min(length, chunk), cancellationToken, wholeObject: offset == 0 && length < 0).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.InnerException is AmazonServiceException { StatusCode: System.Net.HttpStatusCode.RequestedRangeNotSatisfiable })
        {
            // The offset is at or past the end; a zero-byte object answers every range this way.
            GetObjectMetadataResponse head = await HeadObjectAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NoSuchKey(key);
            if (offset == head.ContentLength)
            {
                return new S3ReadStream(this, key, null, null, offset, offset, ModifiedTimeOf(head.LastModified, head.Metadata));
            }

            throw;
        }

        long end = length < 0 ? first.TotalSize : Math.Min(first.TotalSize, offset + length);
        return new S3ReadStream(this, key, first.ETag, first, offset, end, first.ModifiedTime);
    }

    /// <summary>Fetches bytes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of an object
    /// (fewer at its end) into memory, retried as a whole on transient errors, truncated bodies included.</summary>
    /// <remarks>With <paramref name="wholeObject"/> (a read from byte 0 of unknown length) the GET carries no
    /// <c>Range</c> header: Ceph radosgw answers a plain GET of a small object with one RADOS read that fetches data and
    /// attributes together, but does not prefetch for ranged GETs, which cost more server CPU per object
    /// (bench/RESULTS-s3.md). When the object is longer than <paramref name="count"/>, only the first
    /// <paramref name="count"/> bytes are read and the rest of the response is dropped with its connection — unless the
    /// object is at most <see cref="S3StorageOptions.DownloadStreamThreshold"/> bytes long: then nothing is read here and
    /// the open response is handed to the reader (<see cref="RangeResult.Body"/>) to stream.</remarks>
    internal Task<RangeResult> FetchRangeAsync(string key, string? etag, long start, long count, CancellationToken cancellationToken, bool wholeObject = false) =>
        ExecuteAsync(
            "GetObject",
            key,
            async t =>
            {
                S3GetObjectClient.Response response = await getClient.GetAsync(
                    Location.Prefix + key,
                    wholeObject ? null : (start, start + count - 1),
                    etag,
                    t).ConfigureAwait(false);
                bool streaming = false;
                try
                {
                    if (wholeObject && response.ContentRange is null && response.ContentLength > count && response.ContentLength <= Options.DownloadStreamThreshold)
                    {
                        // Mid-size object: the reader streams this response to its end (one GET, like rclone).
                        streaming = true;
                        return new RangeResult([], 0, 0, response.ContentLength, response.ETag, ModifiedTimeOf(response.LastModified, response.ModifiedTimeMetadata))
                        {
                            Body = response,
                        };
                    }

                    return await BufferAsync(response, start, count, wholeObject, t).ConfigureAwait(false);
                }
                finally
                {
                    if (!streaming)
                    {
                        response.Dispose();
                    }
                }
            },
            cancellationToken);

    /// <summary>Reads a GET response's bytes into a buffer rented from <see cref="Buffers"/>.</summary>
    private async Task<RangeResult> BufferAsync(S3GetObjectClient.Response response, long start, long count, bool wholeObject, CancellationToken t)
    {
        long total = response.ContentLength;
        long first = 0;
        if (response.ContentRange is { From: { } rangeStart, Length: { } size })
        {
            total = size;
            first = rangeStart;
        }

        int length = checked((int)(wholeObject ? Math.Min(response.ContentLength, count) : response.ContentLength));
        byte[] data = Buffers.Rent(length);
        try
        {
            int read = await ReadFullyAsync(response.Body, data.AsMemory(0, length), t).ConfigureAwait(false);
            if (read != length)
            {
                throw new IOException($"The response ended after {read} of {length} bytes.");
            }
        }
        catch
        {
            Buffers.Return(data);
            throw;
        }

        int offset = 0;
        if (first != start)
        {
            // The server ignored the range and sent the whole object.
            offset = (int)Math.Min(start, length);
            length = (int)Math.Min(count, Math.Max(length - start, 0));
        }

        return new RangeResult(data, offset, length, total, response.ETag, ModifiedTimeOf(response.LastModified, response.ModifiedTimeMetadata));
    }

    private StorageException NoSuchKey(string key) =>
        new(StorageErrorKind.NotFound, $"S3 GetObject of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} failed: no such key");

    /// <summary>One fetched range: its bytes (<paramref name="Length"/> bytes at <paramref name="Offset"/> of
    /// <paramref name="Buffer"/>, an array rented from <see cref="Buffers"/> that the reader returns), the object's total
    /// size, its ETag and the modification time <see cref="HeadAsync"/> would report (from the same response's headers).</summary>
    internal sealed record RangeResult(byte[] Buffer, int Offset, int Length, long TotalSize, string? ETag, DateTimeOffset ModifiedTime)
    {
        /// <summary>A whole-object response left open for the reader to stream (then <see cref="Buffer"/> is empty and
        /// not rented), or <see langword="null"/>.</summary>
        public S3GetObjectClient.Response? Body { get; init; }

        /// <summary>The fetched bytes.</summary>
        public ReadOnlyMemory<byte> Data => Buffer.AsMemory(Offset, Length);
    }
}
