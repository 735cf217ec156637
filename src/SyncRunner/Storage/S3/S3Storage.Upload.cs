using System.Runtime.InteropServices;
using Amazon.S3.Model;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Writes: single PutObject up to the multipart threshold, parallel multipart uploads above it.</summary>
public sealed partial class S3Storage
{
    /// <inheritdoc/>
    public async Task PutAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        long threshold = Math.Max(Options.MultipartThreshold, 1);
        if (size > S3StorageOptions.MaximumObjectSize)
        {
            throw new StorageException(StorageErrorKind.Invalid, $"S3 PutObject of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} failed: {size} bytes exceed S3's 5 TiB limit");
        }

        if (size >= 0 && size <= threshold)
        {
            byte[] buffer = Buffers.Rent((int)size);
            try
            {
                Memory<byte> body = buffer.AsMemory(0, (int)size);
                int read = await ReadFullyAsync(content, body, cancellationToken).ConfigureAwait(false);
                if (read != size || await ReadFullyAsync(content, new byte[1], cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw SizeMismatch(key, size);
                }

                await PutSingleAsync(key, body, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Buffers.Return(buffer);
            }

            return;
        }

        if (size < 0)
        {
            // Unknown size: buffer up to the threshold; a short stream is a single PutObject.
            byte[] head = new byte[threshold + 1];
            int read = await ReadFullyAsync(content, head, cancellationToken).ConfigureAwait(false);
            if (read <= threshold)
            {
                await PutSingleAsync(key, head.AsMemory(0, read), options, cancellationToken).ConfigureAwait(false);
                return;
            }

            await using var joined = new PrefixedStream(head.AsMemory(0, read), content);
            await PutMultipartAsync(key, joined, -1, options, cancellationToken).ConfigureAwait(false);
            return;
        }

        await PutMultipartAsync(key, content, size, options, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<int> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>A fresh read-only, seekable stream over a buffer (the SDK hashes the payload, then rewinds).</summary>
    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private Dictionary<string, string> MetadataFor(PutOptions options) => new(StringComparer.Ordinal)
    {
        [S3Metadata.ModifiedTimeName] = S3Metadata.FormatModifiedTime(options.ModifiedTime ?? Options.TimeProvider.GetUtcNow()),
    };

    private StorageException SizeMismatch(string key, long size) =>
        new(StorageErrorKind.Invalid, $"S3 PutObject of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} failed: the content is not {size} bytes long");

    private async Task PutSingleAsync(string key, ReadOnlyMemory<byte> content, PutOptions options, CancellationToken cancellationToken)
    {
        Dictionary<string, string> metadata = MetadataFor(options);
        await ExecuteAsync(
            "PutObject",
            key,
            t =>
            {
                var request = new PutObjectRequest();
                request.BucketName = Location.Bucket;
                request.Key = Location.Prefix + key;
                request.InputStream = AsStream(content);
                request.AutoCloseStream = true;
                request.UseChunkEncoding = chunkedPayloadSigning;
                request.StorageClass = StorageClass;
                foreach (KeyValuePair<string, string> m in metadata)
                {
                    request.Metadata[m.Key] = m.Value;
                }

                return client.PutObjectAsync(request, t);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task PutMultipartAsync(string key, Stream content, long size, PutOptions options, CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest { BucketName = Location.Bucket, Key = Location.Prefix + key, StorageClass = StorageClass };
        foreach (KeyValuePair<string, string> m in MetadataFor(options))
        {
            initiate.Metadata[m.Key] = m.Value;
        }

        InitiateMultipartUploadResponse started = await ExecuteAsync("CreateMultipartUpload", key, t => client.InitiateMultipartUploadAsync(initiate, t), cancellationToken).ConfigureAwait(false);
        string uploadId = started.UploadId;
        try
        {
            long fixedPartSize = size >= 0 ? Options.PartSizeFor(size) : 0;
            List<PartETag> parts = await RunPartsAsync(
                key,
                async (submit, token) =>
                {
                    long total = 0;
                    for (int partNumber = 1; ; partNumber++)
                    {
                        if (partNumber > S3StorageOptions.MaximumParts)
                        {
                            throw new StorageException(StorageErrorKind.Invalid, $"S3 multipart upload of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} failed: more than 10,000 parts");
                        }

                        long partSize = size >= 0 ? Math.Min(fixedPartSize, size - total) : Options.PartSizeForUnknownSize(partNumber);
                        byte[] buffer = Buffers.Rent(checked((int)partSize));
                        int read;
                        try
                        {
                            read = await ReadFullyAsync(content, buffer.AsMemory(0, (int)partSize), token).ConfigureAwait(false);
                            total += read;
                            if (size >= 0 && read < partSize)
                            {
                                throw SizeMismatch(key, size);
                            }
                        }
                        catch
                        {
                            Buffers.Return(buffer);
                            throw;
                        }

                        if (read == 0 && partNumber > 1)
                        {
                            Buffers.Return(buffer);
                            return;
                        }

                        int number = partNumber;
                        await submit(async t =>
                        {
                            try
                            {
                                return await UploadPartAsync(key, uploadId, number, buffer.AsMemory(0, read), t).ConfigureAwait(false);
                            }
                            finally
                            {
                                Buffers.Return(buffer);
                            }
                        }).ConfigureAwait(false);
                        if ((size >= 0 && total == size) || (size < 0 && read < partSize))
                        {
                            if (size >= 0 && await ReadFullyAsync(content, new byte[1], token).ConfigureAwait(false) != 0)
                            {
                                throw SizeMismatch(key, size);
                            }

                            return;
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
            await CompleteAsync(key, uploadId, parts, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(key, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        UploadPartResponse response = await ExecuteAsync(
            "UploadPart",
            key,
            t => client.UploadPartAsync(
                new UploadPartRequest
                {
                    BucketName = Location.Bucket,
                    Key = Location.Prefix + key,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    PartSize = data.Length,
                    InputStream = AsStream(data),
                    UseChunkEncoding = chunkedPayloadSigning,
                },
                t),
            cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    /// <summary>
    /// Runs the parts a producer submits, at most <see cref="S3StorageOptions.UploadConcurrency"/> at once; the first
    /// failure cancels the rest and is rethrown. Returns the parts sorted by number.
    /// </summary>
    private async Task<List<PartETag>> RunPartsAsync(
        string key,
        Func<Func<Func<CancellationToken, Task<PartETag>>, Task>, CancellationToken, Task> produce,
        CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Math.Max(Options.UploadConcurrency, 1));
        var running = new List<Task<PartETag>>();
        Exception? failure = null;

        async Task<PartETag> RunAsync(Func<CancellationToken, Task<PartETag>> part)
        {
            try
            {
                return await part(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                await cts.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                slots.Release();
            }
        }

        async Task SubmitAsync(Func<CancellationToken, Task<PartETag>> part)
        {
            await slots.WaitAsync(cts.Token).ConfigureAwait(false);
            running.Add(RunAsync(part));
        }

        try
        {
            await produce(SubmitAsync, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
            await cts.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception) when (failure is not null || cancellationToken.IsCancellationRequested)
        {
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            throw failure is OperationCanceledException
                ? new StorageException(StorageErrorKind.Other, $"S3 multipart transfer of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} was cancelled", failure)
                : failure;
        }

        return running.Select(t => t.Result).OrderBy(p => p.PartNumber).ToList();
    }

    private Task CompleteAsync(string key, string uploadId, List<PartETag> parts, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "CompleteMultipartUpload",
            key,
            t => client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = Location.Bucket, Key = Location.Prefix + key, UploadId = uploadId, PartETags = parts },
                t),
            cancellationToken);

    /// <summary>Aborts a multipart upload, best effort (retried, never throws): its parts are freed and nothing
    /// appears under the key.</summary>
    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await ExecuteAsync(
                "AbortMultipartUpload",
                key,
                t => client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Location.Bucket, Key = Location.Prefix + key, UploadId = uploadId }, t),
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // The caller reports the original failure; a lifecycle rule cleans up what an abort could not.
        }
    }
}
