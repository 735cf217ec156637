using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Ferry.Kube.Tests.TestSupport;

/// <summary>A Kestrel server on 127.0.0.1 with an ephemeral port that answers with canned Kubernetes responses chosen by
/// a test-supplied handler, and records every request.</summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestApiServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers each request; set by the test.</summary>
    public Func<HttpContext, RecordedRequest, Task> Handler { get; set; } = (ctx, _) =>
    {
        ctx.Response.StatusCode = 404;
        return Task.CompletedTask;
    };

    public static async Task<TestApiServer> StartAsync(X509Certificate2? serverCertificate = null, bool requireClientCertificate = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            }
        }));
        var app = builder.Build();
        TestApiServer? server = null;
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new RecordedRequest(
                ctx.Request.Method,
                ctx.Request.Path.Value ?? "",
                ctx.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
                ctx.Request.ContentType,
                ctx.Request.Headers.Authorization.ToString(),
                ctx.Connection.ClientCertificate?.Subject,
                body);
            server!.Requests.Enqueue(recorded);
            await server.Handler(ctx, recorded);
        });
        await app.StartAsync();
        var address = app.Urls.First();
        server = new TestApiServer(app, new Uri(address));
        return server;
    }

    public KubernetesClient CreateClient(TimeProvider? time = null, string? token = "test-token") =>
        new(new KubernetesClientConfiguration
        {
            Host = Url.AbsoluteUri,
            AccessToken = token,
        }, time);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static async Task WriteJsonAsync(HttpContext ctx, int status, string json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json);
    }

    public static string StatusJson(int code, string reason, string message, string? name = null, string? kind = null) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","details":{{(name is null ? "null" : $$"""{"name":"{{name}}","kind":"{{kind}}"}""")}},"code":{{code}}}""";
}

public sealed record RecordedRequest(
    string Method,
    string Path,
    Dictionary<string, string> Query,
    string? ContentType,
    string Authorization,
    string? ClientCertificateSubject,
    string Body);
