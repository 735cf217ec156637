using System.Net;
using System.Net.Http.Headers;
using System.Xml;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.S3;
using Amazon.S3.Model;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// GetObject requests sent through a plain <see cref="HttpClient"/>, signed by <see cref="S3RequestSigner"/>:
/// the hot path of every download. Failures surface as the SDK's <see cref="AmazonS3Exception"/> (status, error
/// code, message and request id from S3's XML error body), so <see cref="S3Errors"/> classifies them exactly as it
/// classifies the SDK's own.
/// </summary>
/// <remarks>
/// The bucket's base URL (host and, in path style, the bucket in the path) comes from the SDK's endpoint rules
/// (<see cref="ClientConfig.DetermineServiceOperationEndpoint"/>), resolved once, so addressing is the SDK's; the
/// credentials are the SDK's (<see cref="AWSCredentials.GetCredentialsAsync"/>, refreshed by it); the HTTP client has
/// the settings of <see cref="S3HttpClientFactory"/>. What is left out of AWSSDK's pipeline is what a GET does not
/// need: its interceptors, per-request endpoint rules, retries (Ferry's pipeline retries) and the MD5 wrapper it puts
/// around whole-object bodies (reading through it cost ~2.5 s of CPU per GiB; Ferry read under it before, so nothing
/// is lost; HTTP's Content-Length still catches truncated bodies). See <see cref="S3RequestSigner"/> for the cost this
/// saves.
/// </remarks>
internal sealed class S3GetObjectClient : IDisposable
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly HttpClient http;
    private readonly Lazy<AWSCredentials?> credentials;
    private readonly S3RequestSigner signer;
    private readonly Lazy<string> baseUrl;

    /// <summary>Creates the client for one bucket.</summary>
    /// <param name="config">The SDK configuration of the bucket's other requests (endpoint, path style, timeout).</param>
    /// <param name="bucket">The bucket name.</param>
    /// <param name="region">The signing region.</param>
    /// <param name="credentials">The credentials, or <see langword="null"/> for the SDK's default chain, resolved at the
    /// first request (a failure to find any fails that request, and the next one tries again). With
    /// <see cref="AnonymousAWSCredentials"/> requests go unsigned (public buckets).</param>
    public S3GetObjectClient(AmazonS3Config config, string bucket, string region, AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(bucket);
        this.credentials = new Lazy<AWSCredentials?>(
            () => (credentials ?? Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(config)) is { } c and not AnonymousAWSCredentials ? c : null,
            LazyThreadSafetyMode.PublicationOnly);
        signer = new S3RequestSigner(region);
        http = new S3HttpClientFactory().CreateHttpClient(config);
        baseUrl = new Lazy<string>(() =>
        {
            // The endpoint rules depend on the bucket, not on the key; any key gives the bucket's base URL.
            Endpoint endpoint = config.DetermineServiceOperationEndpoint(
                new ServiceOperationEndpointParameters(new GetObjectRequest { BucketName = bucket, Key = "k" }));
            return endpoint.URL.TrimEnd('/');
        });
    }

    /// <summary>Sends one GetObject and returns once the response headers are in.</summary>
    /// <param name="key">The full object key (the location's prefix included).</param>
    /// <param name="range">Bytes [first, last] (inclusive, as in HTTP) to ask for, or <see langword="null"/> for the
    /// whole object.</param>
    /// <param name="ifMatch">An ETag (without quotes) the object must still have (<c>If-Match</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the request (and a body read in progress).</param>
    /// <returns>The response, its body unread; the caller disposes it.</returns>
    /// <exception cref="AmazonS3Exception">S3 answered with an error status (404 <c>NoSuchKey</c>, 412
    /// <c>PreconditionFailed</c>, 416 <c>InvalidRange</c>, 503 <c>SlowDown</c>, ...).</exception>
    /// <exception cref="HttpRequestException">The connection failed.</exception>
    /// <exception cref="TaskCanceledException">The request timed out or was cancelled.</exception>
    /// <exception cref="AmazonClientException">No credentials were found.</exception>
    public async Task<Response> GetAsync(string key, (long First, long Last)? range, string? ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl.Value + "/" + S3RequestSigner.EncodeKey(key), Verbatim));
        if (range is { } r)
        {
            request.Headers.TryAddWithoutValidation("Range", $"bytes={r.First}-{r.Last}");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "\"" + ifMatch + "\"");
        }

        if (credentials.Value is { } source)
        {
            ImmutableCredentials current = await source.GetCredentialsAsync().ConfigureAwait(false);
            signer.Sign(request, current, DateTimeOffset.UtcNow);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            request.Dispose();
        }

        try
        {
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent))
            {
                throw await ErrorOfAsync(response, cancellationToken).ConfigureAwait(false);
            }

            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new Response(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => http.Dispose();

    /// <summary>Reads S3's XML error body (<c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;RequestId/&gt;</c>, at most
    /// 64 KiB) into the exception the SDK would have thrown.</summary>
    private static async Task<AmazonS3Exception> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? code = null;
        string? message = null;
        string? requestId = null;
        try
        {
            byte[] buffer = new byte[64 * 1024];
            int length = 0;
            using (Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            {
                int n;
                while (length < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += n;
                }
            }

            if (length > 0)
            {
                using var reader = XmlReader.Create(new MemoryStream(buffer, 0, length), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.Depth == 1)
                    {
                        switch (reader.LocalName)
                        {
                            case "Code": code = reader.ReadElementContentAsString(); break;
                            case "Message": message = reader.ReadElementContentAsString(); break;
                            case "RequestId": requestId = reader.ReadElementContentAsString(); break;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is XmlException or IOException or HttpRequestException)
        {
            // No readable error body (a HEAD-like reply or a proxy's page): the status code says enough.
        }

        int status = (int)response.StatusCode;
        code ??= response.StatusCode == HttpStatusCode.NotFound ? "NoSuchKey" : response.StatusCode.ToString();
        return new AmazonS3Exception(message ?? response.ReasonPhrase ?? code, status >= 500 ? ErrorType.Receiver : ErrorType.Sender, code, requestId, response.StatusCode);
    }

    /// <summary>A successful GetObject response: its headers, parsed, and its body.</summary>
    /// <param name="message">The HTTP response, disposed with this.</param>
    /// <param name="body">The body stream.</param>
    internal sealed class Response(HttpResponseMessage message, Stream body) : IDisposable
    {
        /// <summary>The body: <see cref="ContentLength"/> bytes.</summary>
        public Stream Body { get; } = body;

        /// <summary>The length of the body, in bytes (<c>Content-Length</c>).</summary>
        public long ContentLength { get; } = message.Content.Headers.ContentLength ?? 0;

        /// <summary>The range sent and the object's total size (<c>Content-Range</c>), or <see langword="null"/> for a
        /// whole-object reply.</summary>
        public ContentRangeHeaderValue? ContentRange { get; } = message.Content.Headers.ContentRange;

        /// <summary>The object's ETag, without quotes.</summary>
        public string? ETag { get; } = S3ETag.Normalize(ValueOf(message.Headers, "ETag"));

        /// <summary>The object's <c>Last-Modified</c> time.</summary>
        public DateTime? LastModified { get; } = message.Content.Headers.LastModified?.UtcDateTime;

        /// <summary>The stored modification time (<c>x-amz-meta-mtime</c>, see <see cref="S3Metadata"/>), unparsed, or
        /// <see langword="null"/>.</summary>
        public string? ModifiedTimeMetadata { get; } = ValueOf(message.Headers, "x-amz-meta-" + S3Metadata.ModifiedTimeName);

        /// <inheritdoc/>
        public void Dispose()
        {
            Body.Dispose();
            message.Dispose();
        }

        private static string? ValueOf(HttpResponseHeaders headers, string name) =>
            headers.NonValidated.TryGetValues(name, out HeaderStringValues values) ? values.ToString() : null;
    }
}
