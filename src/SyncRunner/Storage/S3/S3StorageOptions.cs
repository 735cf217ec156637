using Amazon.Runtime;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>Tuning of <see cref="S3Storage"/>: multipart sizes, parallelism, retries and checksums.</summary>
/// <remarks>The defaults are pinned by a test; sizes are in bytes.</remarks>
public sealed class S3StorageOptions
{
    /// <summary>The smallest part S3 accepts (except the last part of an upload), in bytes: 5 MiB.</summary>
    public const long MinimumPartSize = 5L * 1024 * 1024;

    /// <summary>The largest number of parts in one multipart upload: 10,000.</summary>
    public const int MaximumParts = 10_000;

    /// <summary>The largest object S3 stores, in bytes: 5 TiB.</summary>
    public const long MaximumObjectSize = 5L * 1024 * 1024 * 1024 * 1024;

    /// <summary>The largest object one CopyObject request copies, in bytes: 5 GiB.</summary>
    public const long MaximumCopyObjectSize = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// Objects larger than this are written with a multipart upload (or copied with UploadPartCopy).
    /// <value>Default: 32 MiB.</value>
    /// </summary>
    public long MultipartThreshold { get; init; } = 32L * 1024 * 1024;

    /// <summary>
    /// The smallest part size of a multipart upload, in bytes; it grows so an object of up to 5 TiB fits in
    /// 10,000 parts. At least <see cref="MinimumPartSize"/>. <value>Default: 8 MiB.</value>
    /// </summary>
    public long PartSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>Parts of one multipart upload or copy in flight at once. <value>Default: 4.</value></summary>
    public int UploadConcurrency { get; init; } = 4;

    /// <summary>
    /// Bytes fetched by one ranged GET; reads longer than this are split into ranges fetched in parallel.
    /// <value>Default: 8 MiB.</value>
    /// </summary>
    public long DownloadChunkSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// Largest object, in bytes, that a whole-object read streams through its one plain GET instead of splitting it
    /// into parallel ranged GETs; 0 disables streaming. Like rclone's <c>--multi-thread-cutoff</c> (250 MiB): below it
    /// one connection per object is as fast and costs fewer requests, buffers and page faults (bench/RESULTS-s3.md).
    /// A stream that fails midway continues with ranged GETs from where it stopped, pinned to the first ETag.
    /// <value>Default: 256 MiB.</value>
    /// </summary>
    public long DownloadStreamThreshold { get; init; } = 256L * 1024 * 1024;

    /// <summary>Ranged GETs of one read stream in flight at once (read-ahead). <value>Default: 4.</value></summary>
    public int DownloadConcurrency { get; init; } = 4;

    /// <summary>Keys requested per ListObjectsV2 page (<c>MaxKeys</c>), 1 to 1000. <value>Default: 1000.</value></summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>Where reported modification times come from (see <see cref="S3ModifiedTimeSource"/>).
    /// <value>Default: <see cref="S3ModifiedTimeSource.Metadata"/>.</value></summary>
    public S3ModifiedTimeSource ModifiedTimeSource { get; init; } = S3ModifiedTimeSource.Metadata;

    /// <summary>Retries of one request after a transient error (5xx, throttling, reset connection, timeout). <value>Default: 8.</value></summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>Base delay of the exponential backoff (with jitter) between retries. <value>Default: 200 ms.</value></summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two retries. <value>Default: 10 s.</value></summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When the SDK adds request checksums. <value>Default: <see langword="null"/>: <c>WHEN_SUPPORTED</c> on AWS,
    /// <c>WHEN_REQUIRED</c> on other endpoints (Ceph radosgw refuses the SDK's trailing checksums).</value>
    /// </summary>
    public RequestChecksumCalculation? RequestChecksumCalculation { get; init; }

    /// <summary>
    /// When the SDK validates response checksums. <value>Default: <see langword="null"/>: <c>WHEN_SUPPORTED</c> on AWS,
    /// <c>WHEN_REQUIRED</c> on other endpoints.</value>
    /// </summary>
    public ResponseChecksumValidation? ResponseChecksumValidation { get; init; }

    /// <summary>Timeout of one HTTP request. <value>Default: 5 minutes.</value></summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The storage class of the objects written (PutObject, multipart uploads, CopyObject and multipart copies),
    /// e.g. <c>STANDARD_IA</c> (juicefs sync <c>--storage-class</c>); the store refuses a class it does not know.
    /// <value>Default: <see langword="null"/>, the bucket's default class.</value></summary>
    public string? StorageClass { get => _storageClass; init => _storageClass = value; }

    private string? _storageClass;

    /// <summary>A copy of these options with <see cref="StorageClass"/> set to <paramref name="storageClass"/>.</summary>
    internal S3StorageOptions WithStorageClass(string? storageClass)
    {
        var copy = (S3StorageOptions)MemberwiseClone();
        copy._storageClass = storageClass;
        return copy;
    }

    /// <summary>The clock for retry delays. <value>Default: <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The part size for an object of <paramref name="size"/> bytes: <see cref="PartSize"/>, grown (in whole MiB)
    /// so the object fits in <see cref="MaximumParts"/> parts.</summary>
    internal long PartSizeFor(long size)
    {
        long partSize = Math.Max(PartSize, MinimumPartSize);
        long needed = (size + MaximumParts - 1) / MaximumParts;
        const long MiB = 1024 * 1024;
        needed = (needed + MiB - 1) / MiB * MiB;
        return Math.Max(partSize, needed);
    }

    /// <summary>The size of part <paramref name="partNumber"/> (1-based) of an object of unknown size: doubles every
    /// 1,000 parts, so 10,000 parts hold 1,023,000 × the base size (7.8 TiB with the 8 MiB default).</summary>
    internal long PartSizeForUnknownSize(int partNumber)
    {
        long partSize = Math.Max(PartSize, MinimumPartSize);
        return partSize << Math.Min((partNumber - 1) / 1000, 10);
    }
}
