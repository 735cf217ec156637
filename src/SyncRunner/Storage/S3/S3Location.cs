namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// Where an S3 bucket and prefix live and how to reach them, parsed from a URL a juicefs user already
/// types. <see cref="ToString"/> and <see cref="DisplayName"/> mask the access key and secret.
/// </summary>
/// <remarks>
/// Accepted forms (juicefs sync guide, "对象存储" URL formats; the <c>minio://</c> form is juicefs's MinIO
/// driver):
/// <list type="bullet">
/// <item><c>s3://[ACCESS:SECRET@]BUCKET[.ENDPOINT]/PREFIX</c>: virtual-host style, for example
/// <c>s3://mybucket.s3.us-east-2.amazonaws.com/movies/</c>; without <c>.ENDPOINT</c> the AWS endpoint of the
/// region from <c>AWS_REGION</c> / <c>AWS_DEFAULT_REGION</c> (else <c>us-east-1</c>) is used.</item>
/// <item><c>s3://[ACCESS:SECRET@]BUCKET/PREFIX?endpoint=http://HOST:PORT[&amp;region=REGION]</c>: an
/// S3-compatible store (Ceph, MinIO) addressed in path style.</item>
/// <item><c>minio://[ACCESS:SECRET@]HOST:PORT/BUCKET/PREFIX</c>: path style over plain HTTP.</item>
/// </list>
/// Ferry adds one optional parameter, <c>mtime=metadata|lastmodified</c> (see <see cref="S3ModifiedTimeSource"/>).
/// The access key and secret in the user-info part are percent-decoded (a secret containing <c>/</c>,
/// <c>@</c> or <c>:</c> must be written as <c>%2F</c>, <c>%40</c>, <c>%3A</c>). Without them, credentials come
/// from the standard AWS chain (environment variables, shared profile). The prefix is used verbatim: it is
/// prepended to every key, so <c>movies/</c> and <c>movies</c> differ as they do in juicefs.
/// </remarks>
public sealed class S3Location
{
    /// <summary>The region of a location that names none: <c>us-east-1</c>, as AWS.</summary>
    internal const string DefaultRegion = "us-east-1";

    private S3Location(string bucket, string prefix, Uri? endpoint, string region, bool forcePathStyle, string? accessKey, string? secretKey, string displayName, S3ModifiedTimeSource? modifiedTimeSource)
    {
        ModifiedTimeSource = modifiedTimeSource;
        Bucket = bucket;
        Prefix = prefix;
        Endpoint = endpoint;
        Region = region;
        ForcePathStyle = forcePathStyle;
        AccessKey = accessKey;
        SecretKey = secretKey;
        DisplayName = displayName;
    }

    /// <summary>The bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix every key of this location starts with (may be <c>""</c>).</summary>
    public string Prefix { get; }

    /// <summary>The service URL (scheme, host, port), or <see langword="null"/> for AWS's regional endpoint.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The signing region. <value>Default: <c>us-east-1</c>, or the AWS region from the environment.</value></summary>
    public string Region { get; }

    /// <summary>Whether requests address the bucket in the path (<c>http://host/bucket/key</c>) rather than the host name.</summary>
    public bool ForcePathStyle { get; }

    /// <summary>The access key from the URL, or <see langword="null"/> to use the AWS credential chain.</summary>
    public string? AccessKey { get; }

    /// <summary>The secret key from the URL; never printed.</summary>
    internal string? SecretKey { get; }

    /// <summary>The <c>mtime=metadata|lastmodified</c> URL parameter, or <see langword="null"/> when absent.</summary>
    public S3ModifiedTimeSource? ModifiedTimeSource { get; }

    /// <summary>The URL as typed, with the access key and secret replaced by <c>***</c>.</summary>
    public string DisplayName { get; }

    /// <summary>The endpoint as shown in messages: the service URL, or AWS's regional endpoint.</summary>
    public string EndpointDisplay => Endpoint?.GetLeftPart(UriPartial.Authority) ?? $"https://s3.{Region}.amazonaws.com";

    /// <summary>Whether the endpoint is Amazon's own S3 (which supports the SDK's default checksums).</summary>
    public bool IsAws => Endpoint is null || Endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)
        || Endpoint.Host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses an <c>s3://</c> or <c>minio://</c> URL.</summary>
    /// <param name="url">The URL, in one of the forms listed in the remarks.</param>
    /// <returns>The parsed location.</returns>
    /// <exception cref="FormatException">The URL is not one of the accepted forms; the message masks credentials.</exception>
    public static S3Location Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        string scheme = schemeEnd > 0 ? url[..schemeEnd].ToLowerInvariant() : "";
        if (scheme is not ("s3" or "minio"))
        {
            throw new FormatException($"Not an s3:// or minio:// URL: '{Mask(url)}'.");
        }

        string rest = url[(schemeEnd + 3)..];
        string? query = null;
        int q = rest.IndexOf('?');
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string? accessKey = null;
        string? secretKey = null;
        int slash = rest.IndexOf('/');
        int at = rest.IndexOf('@');
        string displayRest = rest;
        if (at >= 0 && (slash < 0 || at < slash))
        {
            string userInfo = rest[..at];
            int colon = userInfo.IndexOf(':');
            if (colon < 0)
            {
                throw new FormatException($"Credentials in '{Mask(url)}' must be ACCESS:SECRET.");
            }

            accessKey = Uri.UnescapeDataString(userInfo[..colon]);
            secretKey = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            rest = rest[(at + 1)..];
            displayRest = "***:***@" + rest;
            slash = rest.IndexOf('/');
        }

        string host = slash >= 0 ? rest[..slash] : rest;
        string path = slash >= 0 ? rest[(slash + 1)..] : "";
        string displayName = scheme + "://" + displayRest + (query is null ? "" : "?" + query);

        string? endpointParameter = null;
        string? region = null;
        S3ModifiedTimeSource? mtime = null;
        foreach (string pair in (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string name = eq >= 0 ? pair[..eq] : pair;
            string value = eq >= 0 ? Uri.UnescapeDataString(pair[(eq + 1)..]) : "";
            switch (name)
            {
                case "endpoint":
                    endpointParameter = value;
                    break;
                case "region":
                    region = value;
                    break;
                case "mtime":
                    mtime = value.ToLowerInvariant() switch
                    {
                        "metadata" => S3ModifiedTimeSource.Metadata,
                        "lastmodified" => S3ModifiedTimeSource.LastModified,
                        _ => throw new FormatException($"Bad mtime '{value}' in '{displayName}' (metadata or lastmodified)."),
                    };
                    break;
                default:
                    throw new FormatException($"Unknown parameter '{name}' in '{displayName}' (known: endpoint, region, mtime).");
            }
        }

        if (host.Length == 0)
        {
            throw new FormatException($"No bucket or host in '{displayName}'.");
        }

        if (scheme == "minio")
        {
            int bucketEnd = path.IndexOf('/');
            string bucket = bucketEnd >= 0 ? path[..bucketEnd] : path;
            if (bucket.Length == 0)
            {
                throw new FormatException($"No bucket in '{displayName}' (expected minio://HOST:PORT/BUCKET/PREFIX).");
            }

            Uri endpoint = ParseEndpoint(endpointParameter ?? "http://" + host, displayName);
            return new S3Location(bucket, bucketEnd >= 0 ? path[(bucketEnd + 1)..] : "", endpoint, region ?? DefaultRegion, true, accessKey, secretKey, displayName, mtime);
        }

        if (endpointParameter is not null)
        {
            Uri endpoint = ParseEndpoint(endpointParameter, displayName);
            return new S3Location(host, path, endpoint, region ?? DefaultRegion, true, accessKey, secretKey, displayName, mtime);
        }

        int dot = host.IndexOf('.');
        if (dot < 0)
        {
            return new S3Location(host, path, null, region ?? EnvironmentRegion(), false, accessKey, secretKey, displayName, mtime);
        }

        string endpointHost = host[(dot + 1)..];
        Uri virtualEndpoint = ParseEndpoint("https://" + endpointHost, displayName);
        string resolvedRegion = region ?? AwsRegionOf(endpointHost) ?? EnvironmentRegion();
        Uri? serviceUrl = AwsRegionOf(endpointHost) is not null ? null : virtualEndpoint;
        return new S3Location(host[..dot], path, serviceUrl, resolvedRegion, false, accessKey, secretKey, displayName, mtime);
    }

    /// <summary>A location from its parts, as a SyncJob's <c>s3</c> endpoint gives them: the bucket in path style at an
    /// explicit endpoint, the prefix verbatim.</summary>
    /// <param name="bucket">The bucket name.</param>
    /// <param name="prefix">The key prefix (may be <c>""</c>).</param>
    /// <param name="endpoint">The service URL, <c>http://HOST:PORT</c> or <c>https://HOST</c>.</param>
    /// <param name="region">The signing region.</param>
    /// <param name="accessKey">The access key, or <see langword="null"/> for the AWS credential chain.</param>
    /// <param name="secretKey">The secret key (with <paramref name="accessKey"/>); never printed.</param>
    /// <returns>The location; its <see cref="DisplayName"/> is the <c>s3://</c> URL of the same place, credentials masked.</returns>
    /// <exception cref="FormatException">The bucket is empty or holds a <c>/</c>, or the endpoint is not an http(s) URL.</exception>
    internal static S3Location FromParts(string bucket, string prefix, string endpoint, string region, string? accessKey, string? secretKey)
    {
        string displayName = $"s3://{(accessKey is null ? "" : "***:***@")}{bucket}/{prefix}?endpoint={endpoint}&region={region}";
        if (bucket.Length == 0 || bucket.Contains('/'))
        {
            throw new FormatException($"Bad bucket name '{bucket}' in '{displayName}'.");
        }

        return new S3Location(bucket, prefix, ParseEndpoint(endpoint, displayName), region, true, accessKey, secretKey, displayName, null);
    }

    /// <summary>Returns <see cref="DisplayName"/>, never the credentials.</summary>
    /// <returns>The masked URL.</returns>
    public override string ToString() => DisplayName;

    /// <summary>Whether <paramref name="other"/> is served by the same endpoint and region, with the same access key.</summary>
    internal bool SharesEndpointAndCredentials(S3Location other) =>
        EndpointDisplay.Equals(other.EndpointDisplay, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Region, other.Region, StringComparison.Ordinal)
        && string.Equals(AccessKey, other.AccessKey, StringComparison.Ordinal);

    /// <summary>Replaces <paramref name="text"/>'s occurrences of the access key and secret by <c>***</c>.</summary>
    internal string MaskSecrets(string text)
    {
        foreach (string? secret in new[] { SecretKey, AccessKey })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Masks a user-info part of an unparsed URL.</summary>
    private static string Mask(string url)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal);
        int at = url.IndexOf('@');
        return start >= 0 && at > start ? url[..(start + 3)] + "***:***" + url[at..] : url;
    }

    private static Uri ParseEndpoint(string text, string displayName)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"Bad endpoint '{text}' in '{displayName}' (expected http://HOST:PORT or https://HOST).");
        }

        return uri;
    }

    private static string EnvironmentRegion() =>
        Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } r ? r
        : Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d
        : DefaultRegion;

    /// <summary>The region of an AWS S3 host name (<c>s3.amazonaws.com</c>, <c>s3.REGION.amazonaws.com</c>,
    /// <c>s3-REGION.amazonaws.com</c>, <c>s3.dualstack.REGION.amazonaws.com</c>), or <see langword="null"/> for other hosts.</summary>
    internal static string? AwsRegionOf(string host)
    {
        string[] labels = host.ToLowerInvariant().Split('.');
        int aws = Array.IndexOf(labels, "amazonaws");
        if (aws < 1)
        {
            return null;
        }

        if (labels[0].StartsWith("s3-", StringComparison.Ordinal))
        {
            return labels[0][3..];
        }

        if (labels[0] != "s3")
        {
            return null;
        }

        string[] middle = labels[1..aws].Where(l => l != "dualstack").ToArray();
        return middle.Length > 0 ? middle[^1] : DefaultRegion;
    }
}
