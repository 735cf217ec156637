using System.Net;
using Amazon.Runtime;

namespace Ferry.SyncRunner.Storage.S3;

/// <summary>
/// The HTTP client of <see cref="S3Storage"/>: a pooled <see cref="SocketsHttpHandler"/> (cached by the SDK), without
/// <c>Expect: 100-continue</c> on small request bodies.
/// </summary>
/// <remarks>
/// AWSSDK.S3 asks for <c>100 Continue</c> before every PutObject and UploadPart body, one extra round trip per object:
/// for small objects about as long as the upload itself. Other SDKs send the header only above a threshold (AWS SDK for
/// Go v1 and Kotlin: 2 MB, Java v2: 1 MB); a refused small body wastes little, and Ferry's bodies are in memory, so a
/// retry resends them either way. The header is not part of the SigV4 signature.
/// </remarks>
internal sealed class S3HttpClientFactory : HttpClientFactory
{
    /// <summary>The largest body sent without <c>Expect: 100-continue</c>, in bytes: 1 MiB.</summary>
    public const long ExpectContinueThreshold = 1024 * 1024;

    /// <inheritdoc/>
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            MaxConnectionsPerServer = clientConfig.MaxConnectionsPerServer ?? int.MaxValue,
        };
        return new HttpClient(new SmallBodiesWithoutExpectContinue(sockets))
        {
            Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100),
        };
    }

    /// <summary>Clients are cached by the SDK (per configuration). Without the cache AWSSDK 4 opened a new TCP
    /// connection for every request (measured: 2,009 sockets for 2,000 GETs).</summary>
    /// <inheritdoc/>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    /// <inheritdoc/>
    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class SmallBodiesWithoutExpectContinue(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.ExpectContinue == true && request.Content?.Headers.ContentLength is <= ExpectContinueThreshold)
            {
                request.Headers.ExpectContinue = false;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
