using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// Signs body-less S3 requests (GET) with AWS Signature Version 4 in the <c>Authorization</c> header.
/// </summary>
/// <remarks>
/// <para>Implements the header form of SigV4 for S3 as the Amazon S3 API reference specifies it ("Authenticating
/// Requests: Using the Authorization Header", "Signature Calculations for the Authorization Header"): the canonical
/// request is <c>METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n
/// HashedPayload</c>, where S3's canonical URI is the request path as sent (each segment URI-encoded once, never
/// normalised), the signed headers are <c>host</c> and every header of the request (so <c>range</c> and
/// <c>if-match</c> cannot be altered in transit), lower-cased and sorted, and the payload hash is that of the empty
/// body. The string to sign is <c>AWS4-HMAC-SHA256 \n DATE \n SCOPE \n hex(SHA256(canonical request))</c> and the key
/// <c>HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyyMMdd), region), "s3"), "aws4_request")</c>, cached per day.</para>
/// <para>Ferry signs its GETs itself because AWSSDK's request pipeline costs about 0.45 ms of CPU per request
/// (endpoint rules, interceptors, unmarshalling), four times the whole signed GET through a plain
/// <see cref="HttpClient"/>; for 10,000 small objects that was most of a download's CPU (bench/RESULTS-s3.md).
/// Every other request still goes through the SDK.</para>
/// <para>Temporary credentials add <c>x-amz-security-token</c> (signed). Thread-safe.</para>
/// </remarks>
/// <param name="region">The signing region, for example <c>us-east-1</c>.</param>
internal sealed class S3RequestSigner(string region)
{
    /// <summary>The hex SHA-256 of the empty body, the payload hash of every request this signs.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private SigningKey? key;

    /// <summary>Adds <c>x-amz-date</c>, <c>x-amz-content-sha256</c>, <c>x-amz-security-token</c> (with temporary
    /// credentials) and <c>Authorization</c> to <paramref name="request"/>.</summary>
    /// <param name="request">A request without a body whose other headers are already set; its URI's path must be
    /// exactly what is sent (created with <see cref="UriCreationOptions.DangerousDisablePathAndQueryCanonicalization"/>).</param>
    /// <param name="credentials">The access key, secret and optional session token.</param>
    /// <param name="now">The signing time (UTC); the server refuses a time more than 15 minutes off its clock.</param>
    /// <exception cref="ArgumentException">The request has a body, a query string or no absolute URI.</exception>
    public void Sign(HttpRequestMessage request, ImmutableCredentials credentials, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        Uri uri = request.RequestUri is { IsAbsoluteUri: true } u ? u : throw new ArgumentException("The request needs an absolute URI.", nameof(request));
        if (request.Content is not null || uri.Query.Length > 0)
        {
            throw new ArgumentException("Only requests without a body or query string are signed here.", nameof(request));
        }

        DateTime utc = now.UtcDateTime;
        string date = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string timestamp = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        HttpRequestHeaders headers = request.Headers;
        headers.TryAddWithoutValidation("x-amz-date", timestamp);
        headers.TryAddWithoutValidation("x-amz-content-sha256", EmptyPayloadHash);
        if (credentials.UseToken)
        {
            headers.TryAddWithoutValidation("x-amz-security-token", credentials.Token);
        }

        var signed = new List<(string Name, string Value)>(8)
        {
            ("host", uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture)),
        };
        foreach (KeyValuePair<string, HeaderStringValues> header in headers.NonValidated)
        {
            signed.Add((header.Key.ToLowerInvariant(), string.Join(',', header.Value).Trim()));
        }

        signed.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        var canonical = new StringBuilder(512);
        canonical.Append(request.Method.Method).Append('\n').Append(uri.AbsolutePath).Append("\n\n");
        foreach ((string name, string value) in signed)
        {
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        string signedNames = string.Join(';', signed.Select(h => h.Name));
        canonical.Append('\n').Append(signedNames).Append('\n').Append(EmptyPayloadHash);

        string scope = $"{date}/{region}/s3/aws4_request";
        string stringToSign = $"AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        string signature = Convert.ToHexStringLower(HMACSHA256.HashData(KeyFor(credentials.SecretKey, date), Encoding.UTF8.GetBytes(stringToSign)));
        headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedNames}, Signature={signature}");
    }

    /// <summary>Encodes an object key as S3's canonical URI path after the bucket: every UTF-8 byte except the
    /// unreserved characters (<c>A-Z a-z 0-9 - _ . ~</c>) and <c>/</c> as <c>%XX</c> (upper-case hex).</summary>
    /// <param name="key">The key (any Unicode text).</param>
    /// <returns>The encoded path, for example <c>a%20b/%C3%A9%25</c> for <c>a b/é%</c>.</returns>
    public static string EncodeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var text = new StringBuilder(key.Length + 16);
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' or (byte)'/')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private byte[] KeyFor(string secret, string date)
    {
        SigningKey? k = key;
        if (k is null || k.Date != date || !string.Equals(k.Secret, secret, StringComparison.Ordinal))
        {
            byte[] bytes = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
            bytes = HMACSHA256.HashData(bytes, Encoding.UTF8.GetBytes(region));
            bytes = HMACSHA256.HashData(bytes, "s3"u8);
            bytes = HMACSHA256.HashData(bytes, "aws4_request"u8);
            key = k = new SigningKey(date, secret, bytes);
        }

        return k.Bytes;
    }

    /// <summary>A derived signing key and what it was derived from (a refreshed secret is a new string).</summary>
    private sealed record SigningKey(string Date, string Secret, byte[] Bytes);
}
