using Amazon.S3;
using Amazon.S3.Model;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Server-side copies: CopyObject, and UploadPartCopy in parallel above the multipart threshold.</summary>
public sealed partial class S3Storage
{
    /// <summary>Whether <paramref name="source"/> is an S3 location on the same endpoint and region, opened with the
    /// same access key (so the credentials that write here can read there).</summary>
    /// <param name="source">The source store of the sync.</param>
    /// <returns><see langword="true"/> when objects of <paramref name="source"/> can be copied server-side.</returns>
    public bool CanCopyFrom(IObjectStorage source) =>
        source is S3Storage s3 && s3.Location.SharesEndpointAndCredentials(Location);

    /// <summary>
    /// Copies one object server-side: no object bytes pass through the runner. Objects up to the multipart threshold
    /// (and 5 GiB) use one CopyObject; larger ones a multipart upload of UploadPartCopy parts in parallel, aborted on
    /// failure. The copy is pinned to the listed ETag when there is one.
    /// </summary>
    /// <param name="source">An S3 store for which <see cref="CanCopyFrom"/> is <see langword="true"/>.</param>
    /// <param name="sourceEntry">The source object as listed.</param>
    /// <param name="destinationKey">The key to write here.</param>
    /// <param name="options">When <see cref="PutOptions.ModifiedTime"/> is set and differs from the listed time, it is
    /// stored; otherwise the source object's metadata (its stored mtime) is kept.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> cannot be copied from.</exception>
    /// <exception cref="StorageException">The copy failed; the previous destination object is intact.</exception>
    public Task CopyFromAsync(IObjectStorage source, ObjectEntry sourceEntry, string destinationKey, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceEntry);
        ArgumentNullException.ThrowIfNull(destinationKey);
        ArgumentNullException.ThrowIfNull(options);
        if (source is not S3Storage s3 || !CanCopyFrom(source))
        {
            throw new ArgumentException($"{source?.DisplayName} is not on the endpoint of {DisplayName}; copy through the runner instead.", nameof(source));
        }

        DateTimeOffset? replace = options.ModifiedTime is { } t && t != sourceEntry.ModifiedTime ? t : null;
        return CopyObjectAsync(s3, sourceEntry.Key, sourceEntry.Size, sourceEntry.ETag, destinationKey, replace, cancellationToken);
    }

    /// <summary>Copies <paramref name="sourceKey"/> of <paramref name="source"/> to <paramref name="destinationKey"/> here,
    /// storing <paramref name="modifiedTime"/> or, when <see langword="null"/>, keeping the source's metadata.</summary>
    internal async Task CopyObjectAsync(S3Storage source, string sourceKey, long size, string? etag, string destinationKey, DateTimeOffset? modifiedTime, CancellationToken cancellationToken)
    {
        string sourceBucket = source.Location.Bucket;
        string sourceFullKey = source.Location.Prefix + sourceKey;
        string? match = etag is null ? null : "\"" + etag + "\"";
        if (size <= Math.Min(Math.Max(Options.MultipartThreshold, 1), S3StorageOptions.MaximumCopyObjectSize))
        {
            var request = new CopyObjectRequest
            {
                SourceBucket = sourceBucket,
                SourceKey = sourceFullKey,
                DestinationBucket = Location.Bucket,
                DestinationKey = Location.Prefix + destinationKey,
                ETagToMatch = match,
                MetadataDirective = modifiedTime is null ? S3MetadataDirective.COPY : S3MetadataDirective.REPLACE,
                StorageClass = StorageClass,
            };
            if (modifiedTime is { } time)
            {
                request.Metadata[S3Metadata.ModifiedTimeName] = S3Metadata.FormatModifiedTime(time);
            }

            await ExecuteAsync("CopyObject", destinationKey, t => client.CopyObjectAsync(request, t), cancellationToken).ConfigureAwait(false);
            return;
        }

        // UploadPartCopy does not carry metadata: take the stored mtime from the source.
        DateTimeOffset stored = modifiedTime
            ?? (await source.HeadAsync(sourceKey, cancellationToken).ConfigureAwait(false))?.ModifiedTime
            ?? throw source.NoSuchKey(sourceKey);
        var initiate = new InitiateMultipartUploadRequest { BucketName = Location.Bucket, Key = Location.Prefix + destinationKey, StorageClass = StorageClass };
        initiate.Metadata[S3Metadata.ModifiedTimeName] = S3Metadata.FormatModifiedTime(stored);
        InitiateMultipartUploadResponse started = await ExecuteAsync("CreateMultipartUpload", destinationKey, t => client.InitiateMultipartUploadAsync(initiate, t), cancellationToken).ConfigureAwait(false);
        string uploadId = started.UploadId;
        try
        {
            long partSize = Options.PartSizeFor(size);
            List<PartETag> parts = await RunPartsAsync(
                destinationKey,
                async (submit, token) =>
                {
                    int number = 1;
                    for (long first = 0; first < size; first += partSize, number++)
                    {
                        var request = new CopyPartRequest
                        {
                            SourceBucket = sourceBucket,
                            SourceKey = sourceFullKey,
                            DestinationBucket = Location.Bucket,
                            DestinationKey = Location.Prefix + destinationKey,
                            UploadId = uploadId,
                            PartNumber = number,
                            FirstByte = first,
                            LastByte = Math.Min(first + partSize, size) - 1,
                            ETagToMatch = match is null ? null : [match],
                        };
                        int partNumber = number;
                        await submit(async t =>
                        {
                            CopyPartResponse response = await ExecuteAsync("UploadPartCopy", destinationKey, u => client.CopyPartAsync(request, u), t).ConfigureAwait(false);
                            return new PartETag(partNumber, response.ETag);
                        }).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
            await CompleteAsync(destinationKey, uploadId, parts, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(destinationKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }
}
