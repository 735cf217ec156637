using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ferry.Testing.Http;

/// <summary>
/// A reverse HTTP proxy on 127.0.0.1 (Kestrel) in front of a real server that injects faults: a fraction of requests
/// is answered <c>503 SlowDown</c>/<c>503 ServiceUnavailable</c> without reaching the server, and a fraction of
/// connections is reset, either before forwarding or in the middle of the response body. It also counts requests and
/// body bytes in each direction, so a test can assert that no object bytes went through a client. With
/// <see cref="Latency"/> set, every request waits that long before it is answered or forwarded (a distant server).
/// </summary>
/// <remarks>Headers (including <c>Host</c>) are forwarded verbatim, so AWS signatures made for the proxy's address stay
/// valid at the server.</remarks>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient http;
    private readonly Uri target;
    private readonly Random random;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> requestsByMethod = new(StringComparer.OrdinalIgnoreCase);
    private long requests;
    private long expectContinue;
    private long injectedFailures;
    private long injectedResets;
    private long requestBodyBytes;
    private long responseBodyBytes;

    private FaultInjectingProxy(WebApplication app, Uri target, int seed)
    {
        this.app = app;
        this.target = target;
        random = new Random(seed);
        http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The proxy's address, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Fraction (0 to 1) of requests answered with 503 without being forwarded.</summary>
    public double FailureRate { get; set; }

    /// <summary>Fraction (0 to 1) of requests whose connection is reset (half before forwarding, half mid-response).</summary>
    public double ResetRate { get; set; }

    /// <summary>A fixed delay added to every request after it is received and before it is forwarded or failed, e.g.
    /// 20 ms to model a distant S3 endpoint; changeable while the proxy runs.</summary>
    /// <value>Zero: no delay.</value>
    public TimeSpan Latency { get; set; }

    /// <summary>The clock <see cref="Latency"/> is measured with.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Requests received.</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Requests answered with an injected 503.</summary>
    public long InjectedFailures => Interlocked.Read(ref injectedFailures);

    /// <summary>Connections reset on purpose.</summary>
    public long InjectedResets => Interlocked.Read(ref injectedResets);

    /// <summary>Request body bytes forwarded to the server.</summary>
    public long RequestBodyBytes => Interlocked.Read(ref requestBodyBytes);

    /// <summary>Response body bytes returned to clients.</summary>
    public long ResponseBodyBytes => Interlocked.Read(ref responseBodyBytes);

    /// <summary>Starts a proxy to <paramref name="target"/>.</summary>
    /// <param name="target">The server, e.g. <c>http://127.0.0.1:PORT</c>.</param>
    /// <param name="failureRate">Fraction of requests answered 503.</param>
    /// <param name="resetRate">Fraction of requests whose connection is reset.</param>
    /// <param name="seed">Seed of the fault dice.</param>
    /// <returns>The running proxy.</returns>
    public static async Task<FaultInjectingProxy> StartAsync(Uri target, double failureRate = 0, double resetRate = 0, int seed = 1)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = null;
        });
        WebApplication app = builder.Build();
        var proxy = new FaultInjectingProxy(app, target, seed) { FailureRate = failureRate, ResetRate = resetRate };
        app.Run(proxy.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return proxy;
    }

    /// <summary>Requests received with HTTP method <paramref name="method"/> (e.g. <c>HEAD</c>, <c>GET</c>, <c>PUT</c>),
    /// including those the proxy failed.</summary>
    /// <param name="method">The HTTP method, case-insensitive.</param>
    /// <returns>The count since start or the last <see cref="ResetCounters"/>.</returns>
    public long RequestsWithMethod(string method) => requestsByMethod.TryGetValue(method, out long n) ? n : 0;

    /// <summary>Requests received with <c>Expect: 100-continue</c>.</summary>
    public long RequestsWithExpectContinue => Interlocked.Read(ref expectContinue);

    /// <summary>Sets all counters to zero.</summary>
    public void ResetCounters()
    {
        requestsByMethod.Clear();
        Interlocked.Exchange(ref expectContinue, 0);
        Interlocked.Exchange(ref requests, 0);
        Interlocked.Exchange(ref injectedFailures, 0);
        Interlocked.Exchange(ref injectedResets, 0);
        Interlocked.Exchange(ref requestBodyBytes, 0);
        Interlocked.Exchange(ref responseBodyBytes, 0);
    }

    /// <summary>Stops the proxy.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        http.Dispose();
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref requests);
        requestsByMethod.AddOrUpdate(context.Request.Method, 1, static (_, n) => n + 1);
        if (context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref expectContinue);
        }

        TimeSpan latency = Latency;
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, Time, context.RequestAborted).ConfigureAwait(false);
        }

        double roll;
        bool midResponse;
        lock (random)
        {
            roll = random.NextDouble();
            midResponse = random.Next(2) == 0;
        }

        if (roll < FailureRate)
        {
            Interlocked.Increment(ref injectedFailures);
            context.Response.StatusCode = 503;
            context.Response.ContentType = "application/xml";
            string code = midResponse ? "SlowDown" : "ServiceUnavailable";
            await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected by the test proxy</Message></Error>").ConfigureAwait(false);
            return;
        }

        bool reset = roll < FailureRate + ResetRate;
        if (reset && !midResponse)
        {
            Interlocked.Increment(ref injectedResets);
            context.Abort();
            return;
        }

        HttpRequest incoming = context.Request;
        // The raw request target, not the decoded path: a key such as "a%20b" must reach the server as signed.
        string rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var outgoing = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(target, rawTarget));
        bool hasBody = incoming.ContentLength is not null || incoming.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            outgoing.Content = new StreamContent(new CountingStream(incoming.Body, n => Interlocked.Add(ref requestBodyBytes, n)));
        }

        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in incoming.Headers)
        {
            if (IsHopByHop(header.Key) || header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!outgoing.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        outgoing.Headers.Host = incoming.Host.Value;
        using HttpResponseMessage response = await http.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
        {
            if (!IsHopByHop(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        if (HttpMethods.IsHead(incoming.Method))
        {
            return;
        }

        await using Stream body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        long limit = reset ? Math.Max((response.Content.Headers.ContentLength ?? 0) / 2, 1) : long.MaxValue;
        byte[] buffer = new byte[81920];
        long sent = 0;
        while (true)
        {
            int n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - sent)), context.RequestAborted).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            await context.Response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted).ConfigureAwait(false);
            sent += n;
            Interlocked.Add(ref responseBodyBytes, n);
            if (sent >= limit)
            {
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                Interlocked.Increment(ref injectedResets);
                context.Abort();
                return;
            }
        }
    }

    /// <summary>Counts the bytes read through a stream.</summary>
    private sealed class CountingStream(Stream inner, Action<int> count) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count1)
        {
            int n = inner.Read(buffer, offset, count1);
            count(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            count(n);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count1, CancellationToken cancellationToken) =>
            await ReadAsync(buffer.AsMemory(offset, count1), cancellationToken).ConfigureAwait(false);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count1) => throw new NotSupportedException();
    }
}
