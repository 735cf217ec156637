using Ferry.Api.Endpoints;
using Ferry.Api.Runs;

[assembly: Ferry.SyncRunner.Storage.RegisterStorageProvider(typeof(Ferry.SyncRunner.Storage.S3.S3StorageProvider))]

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>The S3 backend: <c>s3://</c> and <c>minio://</c> URLs (<see cref="S3Location"/>) and a SyncJob's <c>s3</c>
/// endpoint, as <see cref="S3Storage"/>.</summary>
/// <remarks>An endpoint's credentials come from <c>FERRY_SIDE_ACCESS_KEY_ID</c> and <c>FERRY_SIDE_SECRET_ACCESS_KEY</c>
/// (<see cref="RunnerContract"/>), or, when neither is set, from the AWS default chain. An S3 location keeps its prefix
/// itself: a URL without a trailing <c>/</c> is a prefix of key names (juicefs sync guide).</remarks>
public sealed class S3StorageProvider() : StorageProvider(["s3", "minio"], "s3")
{
    /// <inheritdoc/>
    /// <remarks>Modification times come from the URL's <c>mtime=</c> parameter, else from
    /// <see cref="S3ModifiedTimeSource.Metadata"/>.</remarks>
    public override IObjectStorage Create(string location)
    {
        S3Location parsed = S3Location.Parse(location);
        return new S3Storage(parsed, new S3StorageOptions { ModifiedTimeSource = parsed.ModifiedTimeSource ?? S3ModifiedTimeSource.Metadata });
    }

    /// <inheritdoc/>
    public override bool Serves(Endpoint endpoint) => endpoint.S3 is not null;

    /// <inheritdoc/>
    /// <remarks>The bucket is addressed in path style at the endpoint, or at AWS's regional endpoint
    /// (<c>https://s3.REGION.amazonaws.com</c>) when the spec names none, so that bucket names with dots are not taken
    /// for host names. A destination writes in the spec's <c>storageClass</c>. Session tokens are refused.</remarks>
    public override IObjectStorage Create(Endpoint endpoint, SyncJobSide side)
    {
        S3Endpoint s3 = endpoint.S3 ?? throw new ArgumentException($"the {side.Name} endpoint is not s3");
        string? accessKeyId = side.Variable(RunnerContract.AccessKeyId);
        string? secretAccessKey = side.Variable(RunnerContract.SecretAccessKey);
        if (side.Variable(RunnerContract.SessionToken) is not null)
        {
            throw new ArgumentException($"the {side.Name} S3 credentials carry a session token, which Ferry's S3 backend does not support yet");
        }

        if ((accessKeyId is null) != (secretAccessKey is null))
        {
            throw new ArgumentException($"the {side.Name} S3 credentials need both an access key id and a secret access key");
        }

        string region = string.IsNullOrEmpty(s3.Region) ? S3Location.DefaultRegion : s3.Region;
        string url = string.IsNullOrEmpty(s3.Endpoint) ? $"https://s3.{region}.amazonaws.com" : s3.Endpoint;
        S3Location location;
        try
        {
            location = S3Location.FromParts(s3.Bucket, s3.Prefix ?? "", url, region, accessKeyId, secretAccessKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"the {side.Name} s3 endpoint: {e.Message}", e);
        }

        return new S3Storage(location, new S3StorageOptions { StorageClass = side.IsDestination ? s3.StorageClass : null });
    }

    /// <inheritdoc/>
    public override string Describe(Endpoint endpoint) => $"s3://{endpoint.S3?.Bucket}/{endpoint.S3?.Prefix}";
}
