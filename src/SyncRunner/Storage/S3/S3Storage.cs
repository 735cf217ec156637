using System.Buffers;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Ferry.SyncRunner.Keys;
using Polly;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// A bucket and prefix on Amazon S3 or an S3-compatible store (Ceph radosgw, MinIO), through AWSSDK.S3.
/// Keys are relative to the location's prefix.
/// </summary>
/// <remarks>
/// <para>Listing uses ListObjectsV2 (pages of <see cref="S3StorageOptions.ListPageSize"/> keys, <c>StartAfter</c> for range
/// starts, delimiter <c>/</c> for one-level listings), which returns keys in UTF-8 byte order.</para>
/// <para>Modification times: <see cref="PutAsync"/> and server-side copies store the source mtime as
/// <c>x-amz-meta-mtime</c> (rclone's format). ListObjectsV2 returns no user metadata, so with the default
/// <see cref="S3ModifiedTimeSource.Metadata"/> a listing reports <c>LastModified</c> (whole seconds) marked
/// <see cref="ObjectEntry.ModifiedTimeIsExact"/> <see langword="false"/>, without a request per object;
/// <see cref="HeadAsync"/> and the streams of <see cref="OpenReadAsync"/> (<see cref="IObjectReadInfo"/>) report the
/// stored mtime, falling back to <c>LastModified</c>. <see cref="S3ModifiedTimeSource.LastModified"/> (URL
/// <c>?mtime=lastmodified</c>) reports upload times everywhere, all exact.</para>
/// <para>Objects above <see cref="S3StorageOptions.MultipartThreshold"/> are written as multipart uploads with parts in
/// parallel, aborted on failure; reads longer than <see cref="S3StorageOptions.DownloadChunkSize"/> use parallel ranged
/// GETs; an object that fits in one range costs one GET. Requests go through <see cref="S3HttpClientFactory"/> (no
/// <c>Expect: 100-continue</c> on small bodies). GetObject, the one request per downloaded object, bypasses AWSSDK's
/// request pipeline (<see cref="S3GetObjectClient"/>, signed by <see cref="S3RequestSigner"/>), which cost four times
/// the CPU of the whole signed request; every other request is the SDK's.</para>
/// <para>Payload signing: over plain <c>http://</c> AWSSDK refuses unsigned payloads (<c>UNSIGNED-PAYLOAD</c>), so
/// bodies are signed, and as a whole: the SDK hashes each in-memory body once with SHA-256 and the server checks that
/// one hash, instead of the SDK's default <c>aws-chunked</c> encoding with a signature per 80 KiB chunk, which cost
/// Ceph radosgw about a third more CPU per uploaded byte (measured: 8 × 128 MiB, radosgw 8–9.6 CPU-seconds chunked
/// vs 5.9–6.5 whole; bench/RESULTS-s3.md). Over <c>https://</c> the SDK's defaults apply (with
/// <c>WHEN_SUPPORTED</c> checksums on AWS its trailing checksums need the chunked encoding).</para>
/// <para>Transient errors are retried with exponential backoff and jitter; permanent ones fail at once with a
/// <see cref="StorageException"/> naming the bucket and endpoint, never a credential (issue 3; juicefs sync guide).</para>
/// </remarks>
public sealed partial class S3Storage : IObjectStorage, IServerSideCopy
{
    private readonly AmazonS3Client client;
    private readonly S3GetObjectClient getClient;
    private readonly ResiliencePipeline pipeline;

    /// <summary>Whether PutObject and UploadPart bodies are signed chunk by chunk (<c>aws-chunked</c>,
    /// <c>STREAMING-AWS4-HMAC-SHA256-PAYLOAD</c>, the SDK's default) rather than as a whole (the body's SHA-256 in
    /// <c>x-amz-content-sha256</c>). See the remarks of <see cref="S3Storage"/>.</summary>
    private readonly bool chunkedPayloadSigning;

    /// <summary>Creates the storage for <paramref name="location"/>.</summary>
    /// <param name="location">Bucket, prefix, endpoint and credentials.</param>
    /// <param name="options">Tuning; <see langword="null"/> for the defaults.</param>
    public S3Storage(S3Location location, S3StorageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        Location = location;
        Options = options ?? new S3StorageOptions();
        pipeline = S3Errors.CreatePipeline(Options);
        (client, getClient) = CreateClients(location, Options);
        chunkedPayloadSigning = !string.Equals(location.Endpoint?.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Part and range buffers, reused across requests: fresh multi-MiB arrays cost a page fault per 4 KiB
    /// (measured: 250,000 minor faults per GiB downloaded). Arrays up to 64 MiB are kept, at most 64 per size;
    /// larger ones are allocated and dropped.</summary>
    internal ArrayPool<byte> Buffers { get; } = ArrayPool<byte>.Create(64 * 1024 * 1024, 64);

    /// <summary>The bucket, prefix and endpoint.</summary>
    public S3Location Location { get; }

    /// <summary>The tuning in effect.</summary>
    public S3StorageOptions Options { get; }

    /// <inheritdoc/>
    public string DisplayName => Location.DisplayName;

    /// <summary>The class of written objects, or <see langword="null"/> (the request carries none: the bucket's default).</summary>
    private S3StorageClass? StorageClass => Options.StorageClass is { } name ? S3StorageClass.FindValue(name) : null;

    /// <summary>This location with objects written in <paramref name="storageClass"/> (<c>--storage-class</c>); this
    /// storage is left as it is (dispose it).</summary>
    /// <param name="storageClass">The class name, e.g. <c>STANDARD_IA</c>.</param>
    /// <returns>A new storage over the same location and options.</returns>
    internal S3Storage WithStorageClass(string storageClass) => new(Location, Options.WithStorageClass(storageClass));

    /// <summary>S3 keeps modification times (in metadata) but no directories, modes or symlinks.</summary>
    public StorageCapabilities Capabilities => StorageCapabilities.ModifiedTimes;

    /// <inheritdoc/>
    public async IAsyncEnumerable<ObjectEntry> ListAsync(ListOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        string root = Location.Prefix;
        string? startAfter = null;
        if (options.Start.Length > 0 && KeyComparer.Utf8.Compare(options.Start, options.Prefix) > 0)
        {
            // StartAfter is exclusive, Start inclusive: start after the key shortened by one character and
            // drop the few keys below Start that this lets through.
            string s = options.Start;
            int cut = s.Length >= 2 && char.IsLowSurrogate(s[^1]) ? 2 : 1;
            startAfter = root + s[..^cut];
        }

        Task<ListObjectsV2Response> FetchPageAsync(string? continuation)
        {
            var request = new ListObjectsV2Request
            {
                BucketName = Location.Bucket,
                Prefix = root + options.Prefix,
                MaxKeys = Math.Clamp(Options.ListPageSize, 1, 1000),
                Delimiter = options.Recursive ? null : "/",
            };
            if (continuation is null)
            {
                request.StartAfter = startAfter;
            }
            else
            {
                request.ContinuationToken = continuation;
            }

            return ExecuteAsync("ListObjectsV2", options.Prefix, t => client.ListObjectsV2Async(request, t), cancellationToken);
        }

        Task<ListObjectsV2Response>? next = FetchPageAsync(null);
        try
        {
            while (next is not null)
            {
                ListObjectsV2Response page = await next.ConfigureAwait(false);
                next = null;
                List<ObjectEntry> entries = Merge(page, root).ToList();
                bool pastEnd = options.End is not null && entries.Count > 0 && KeyComparer.Utf8.Compare(entries[^1].Key, options.End) >= 0;
                if (page.IsTruncated == true && page.NextContinuationToken is { } token && !pastEnd)
                {
                    // The next page is listed while this one's entries are consumed.
                    next = FetchPageAsync(token);
                }

                foreach (ObjectEntry entry in entries)
                {
                    if (KeyComparer.Utf8.Compare(entry.Key, options.Start) < 0 || entry.Key.Length == 0)
                    {
                        continue;
                    }

                    if (options.End is not null && KeyComparer.Utf8.Compare(entry.Key, options.End) >= 0)
                    {
                        yield break;
                    }

                    yield return entry;
                }
            }
        }
        finally
        {
            // A listing abandoned early leaves a prefetched page nobody reads: observe its failure.
            _ = next?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <inheritdoc/>
    public async Task<ObjectEntry?> HeadAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        GetObjectMetadataResponse? head = await HeadObjectAsync(key, cancellationToken).ConfigureAwait(false);
        if (head is not null)
        {
            return new ObjectEntry(key, head.ContentLength, ModifiedTimeOf(head.LastModified, head.Metadata))
            {
                Kind = key.EndsWith('/') ? EntryKind.Directory : EntryKind.File,
                ETag = S3ETag.Normalize(head.ETag),
            };
        }

        if (key.EndsWith('/'))
        {
            // A directory without a marker object exists while some key lies under it.
            await foreach (ObjectEntry _ in ListAsync(new ListOptions { Prefix = key }, cancellationToken).ConfigureAwait(false))
            {
                return new ObjectEntry(key, 0, DateTimeOffset.UnixEpoch) { Kind = EntryKind.Directory };
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new DeleteObjectRequest { BucketName = Location.Bucket, Key = Location.Prefix + key };
        await ExecuteAsync("DeleteObject", key, t => client.DeleteObjectAsync(request, t), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the zero-byte marker object <c>"dir/"</c> with the modification time in its metadata.</summary>
    /// <param name="key">The directory key, ending in <c>/</c>.</param>
    /// <param name="options">The modification time to keep; the mode is ignored.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> does not end in <c>/</c>.</exception>
    /// <exception cref="StorageException">The marker could not be written.</exception>
    public Task CreateDirectoryAsync(string key, PutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.EndsWith('/'))
        {
            throw new ArgumentException($"A directory key ends in '/': '{key}'.", nameof(key));
        }

        return PutSingleAsync(key, ReadOnlyMemory<byte>.Empty, options, cancellationToken);
    }

    /// <summary>Not supported: S3 keeps no symbolic links.</summary>
    /// <param name="key">Ignored.</param>
    /// <param name="target">Ignored.</param>
    /// <param name="cancellationToken">Ignored.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task CreateSymlinkAsync(string key, string target, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{DisplayName} cannot store symbolic links.");

    /// <summary>Sets the stored modification time by copying the object onto itself with replaced metadata (S3 cannot
    /// change metadata in place). The mode is ignored: S3 keeps none.</summary>
    /// <param name="key">The object's key.</param>
    /// <param name="mode">Ignored.</param>
    /// <param name="modifiedTime">The new modification time, or <see langword="null"/> to do nothing.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StorageException">The object is missing (<see cref="StorageErrorKind.NotFound"/>) or the copy failed.</exception>
    public async Task SetAttributesAsync(string key, int? mode, DateTimeOffset? modifiedTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (modifiedTime is null)
        {
            return;
        }

        GetObjectMetadataResponse head = await HeadObjectAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new StorageException(StorageErrorKind.NotFound, $"S3 SetAttributes of key '{key}' in bucket '{Location.Bucket}' at {Location.EndpointDisplay} failed: no such key");
        await CopyObjectAsync(this, key, head.ContentLength, S3ETag.Normalize(head.ETag), key, modifiedTime, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        client.Dispose();
        getClient.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => DisplayName;

    /// <summary>Runs one S3 request under the retry pipeline and translates failures.</summary>
    internal async Task<T> ExecuteAsync<T>(string operation, string? key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(async token => await action(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            string? storageClass = operation is "PutObject" or "CreateMultipartUpload" or "CopyObject" ? Options.StorageClass : null;
            throw S3Errors.ToStorageException(e, operation, key, Location, storageClass);
        }
    }

    /// <summary>Creates the SDK client and, with the same configuration and credentials, the GET client of downloads.</summary>
    private static (AmazonS3Client Client, S3GetObjectClient GetClient) CreateClients(S3Location location, S3StorageOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = location.ForcePathStyle,
            MaxErrorRetry = 0,
            HttpClientFactory = new S3HttpClientFactory(),
            Timeout = options.RequestTimeout,
            RequestChecksumCalculation = options.RequestChecksumCalculation
                ?? (location.IsAws ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED),
            ResponseChecksumValidation = options.ResponseChecksumValidation
                ?? (location.IsAws ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED),
        };
        if (location.Endpoint is not null)
        {
            config.ServiceURL = location.Endpoint.GetLeftPart(UriPartial.Authority);
            config.AuthenticationRegion = location.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(location.Region);
        }

        if (location.AccessKey is not null)
        {
            var credentials = new BasicAWSCredentials(location.AccessKey, location.SecretKey ?? "");
            return (new AmazonS3Client(credentials, config), new S3GetObjectClient(config, location.Bucket, location.Region, credentials));
        }

        // Without keys in the URL both clients resolve the SDK's default chain (environment variables, shared profile,
        // web identity, instance metadata) at their first request, as AmazonS3Client does.
        return (new AmazonS3Client(config), new S3GetObjectClient(config, location.Bucket, location.Region, null));
    }

    /// <summary>LastModified in UTC, truncated to whole seconds: HEAD's <c>Last-Modified</c> header has second
    /// resolution while listings carry milliseconds, and a key must report the same time through both.</summary>
    private static DateTimeOffset LastModified(DateTime? time)
    {
        if (time is not { } t)
        {
            return DateTimeOffset.UnixEpoch;
        }

        var utc = new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());
        return new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>The modification time <see cref="HeadAsync"/> reports for an object with these response headers: the
    /// stored <c>x-amz-meta-mtime</c> falling back to <c>LastModified</c>, or with
    /// <see cref="S3ModifiedTimeSource.LastModified"/> the latter only.</summary>
    internal DateTimeOffset ModifiedTimeOf(DateTime? lastModified, Amazon.S3.Model.MetadataCollection metadata) =>
        ModifiedTimeOf(lastModified, metadata[S3Metadata.ModifiedTimeName]);

    /// <summary>The same, from the unparsed <c>x-amz-meta-mtime</c> value (<see langword="null"/> when absent).</summary>
    internal DateTimeOffset ModifiedTimeOf(DateTime? lastModified, string? modifiedTimeMetadata)
    {
        DateTimeOffset uploaded = LastModified(lastModified);
        return Options.ModifiedTimeSource == S3ModifiedTimeSource.Metadata
            ? S3Metadata.ParseModifiedTime(modifiedTimeMetadata) ?? uploaded
            : uploaded;
    }

    /// <summary>Merges a page's objects and common prefixes (each sorted) into one sorted run of entries.</summary>
    private IEnumerable<ObjectEntry> Merge(ListObjectsV2Response page, string root)
    {
        List<S3Object> objects = page.S3Objects ?? [];
        List<string> prefixes = page.CommonPrefixes ?? [];
        int i = 0;
        int j = 0;
        while (i < objects.Count || j < prefixes.Count)
        {
            if (j >= prefixes.Count || (i < objects.Count && KeyComparer.Utf8.Compare(objects[i].Key, prefixes[j]) < 0))
            {
                S3Object o = objects[i++];
                string key = o.Key[root.Length..];
                yield return new ObjectEntry(key, o.Size ?? 0, LastModified(o.LastModified))
                {
                    Kind = key.EndsWith('/') ? EntryKind.Directory : EntryKind.File,
                    ETag = S3ETag.Normalize(o.ETag),
                    ModifiedTimeIsExact = Options.ModifiedTimeSource != S3ModifiedTimeSource.Metadata || key.EndsWith('/'),
                };
            }
            else
            {
                yield return new ObjectEntry(prefixes[j++][root.Length..], 0, DateTimeOffset.UnixEpoch) { Kind = EntryKind.Directory };
            }
        }
    }

    private async Task<GetObjectMetadataResponse?> HeadObjectAsync(string key, CancellationToken cancellationToken)
    {
        var request = new GetObjectMetadataRequest { BucketName = Location.Bucket, Key = Location.Prefix + key };
        try
        {
            return await ExecuteAsync("HeadObject", key, t => client.GetObjectMetadataAsync(request, t), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.NotFound && e.InnerException is AmazonServiceException { ErrorCode: not "NoSuchBucket" })
        {
            return null;
        }
    }
}
