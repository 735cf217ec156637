using System.Collections.Concurrent;
using Ferry.Kube.Client;
using Ferry.Kube.Runtime;
using Ferry.Kube.Tests.TestSupport;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Ferry.Kube.Tests.Runtime;

public sealed class InformerTests : IAsyncLifetime
{
    private TestApiServer _server = null!;
    private readonly ConcurrentQueue<string> _log = new();

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string Cm(string name, int rv) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"ns\",\"resourceVersion\":\"" + rv + "\"}}";

    private static string ListJson(string rv, string? continueToken, params string[] items) =>
        "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" + rv + "\""
        + (continueToken is null ? "" : ",\"continue\":\"" + continueToken + "\"")
        + "},\"items\":[" + string.Join(",", items) + "]}";

    private static async Task StreamAsync(HttpContext ctx, params string[] lines)
    {
        ctx.Response.ContentType = "application/json";
        foreach (var line in lines)
        {
            await ctx.Response.WriteAsync(line + "\n");
            await ctx.Response.Body.FlushAsync();
        }
    }

    private static async Task HangAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Informer<V1ConfigMap> NewInformer(InformerOptions? options = null)
    {
        var informer = new Informer<V1ConfigMap>(_server.CreateClient(), KubeResources.ConfigMaps, "ns", options);
        informer.Added += o => _log.Enqueue($"add {o.Metadata.Name}@{o.Metadata.ResourceVersion}");
        informer.Updated += (old, o) => _log.Enqueue($"update {o.Metadata.Name}@{old.Metadata.ResourceVersion}->{o.Metadata.ResourceVersion}");
        informer.Deleted += o => _log.Enqueue($"delete {o.Metadata.Name}");
        informer.WatchError += s => _log.Enqueue($"error {s.Code} {s.Reason}");
        return informer;
    }

    [Fact]
    public async Task Run_ListWatchGoneAndErrorEvent_KeepsCacheExactAndRelists()
    {
        var lists = 0;
        var watches = 0;
        var lastWatchStarted = new TaskCompletionSource();
        _server.Handler = (ctx, req) =>
        {
            if (!req.Query.ContainsKey("watch"))
            {
                return ++lists switch
                {
                    1 => TestApiServer.WriteJsonAsync(ctx, 200, ListJson("10", "c1", Cm("a", 1), Cm("b", 2))),
                    2 => TestApiServer.WriteJsonAsync(ctx, 200, ListJson("10", null, Cm("c", 3))),
                    3 => TestApiServer.WriteJsonAsync(ctx, 200, ListJson("30", null, Cm("a", 11), Cm("d", 12), Cm("e", 30))),
                    _ => TestApiServer.WriteJsonAsync(ctx, 200, ListJson("31", null, Cm("a", 11), Cm("d", 12), Cm("e", 30))),
                };
            }

            switch (++watches)
            {
                case 1:
                    return StreamAsync(ctx,
                        "{\"type\":\"MODIFIED\",\"object\":" + Cm("a", 11) + "}",
                        "{\"type\":\"ADDED\",\"object\":" + Cm("d", 12) + "}",
                        "{\"type\":\"DELETED\",\"object\":" + Cm("b", 13) + "}",
                        """{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"20"}}}""");
                case 2:
                    return StreamAsync(ctx,
                        """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 20 (25)","reason":"Expired","code":410}}""");
                case 3:
                    return TestApiServer.WriteJsonAsync(ctx, 410, TestApiServer.StatusJson(410, "Expired", "too old resource version"));
                default:
                    lastWatchStarted.TrySetResult();
                    return HangAsync(ctx);
            }
        };
        var informer = NewInformer(new InformerOptions { PageSize = 2 });
        using var cts = new CancellationTokenSource();

        var run = informer.RunAsync(cts.Token);
        await lastWatchStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(informer.HasSynced);
        Assert.Equal(
            [
                "add a@1", "add b@2", "add c@3",
                "update a@1->11", "add d@12", "delete b",
                "error 410 Expired",
                "delete c", "add e@30",
            ],
            _log.ToArray());
        Assert.Equal(["a", "d", "e"], informer.List().Select(o => o.Metadata.Name!).Order());
        Assert.Equal("11", informer.Get("ns", "a")!.Metadata.ResourceVersion);
        Assert.Null(informer.Get("ns", "b"));
        Assert.Equal("31", informer.LastSyncResourceVersion);

        var requests = _server.Requests.ToArray();
        var watchVersions = requests.Where(r => r.Query.ContainsKey("watch")).Select(r => r.Query["resourceVersion"]).ToArray();
        Assert.Equal(["10", "20", "30", "31"], watchVersions);
        Assert.All(requests.Where(r => r.Query.ContainsKey("watch")), r => Assert.Equal("true", r.Query["allowWatchBookmarks"]));
        Assert.Equal("2", requests[0].Query["limit"]);
        Assert.Equal("c1", requests[1].Query["continue"]);
    }

    [Fact]
    public async Task Run_ErrorEventOtherThanGone_ReachesHandlerAndRelistsAfterBackoff()
    {
        var time = new FakeTimeProvider();
        var lists = 0;
        var secondList = new TaskCompletionSource();
        _server.Handler = (ctx, req) =>
        {
            if (!req.Query.ContainsKey("watch"))
            {
                if (Interlocked.Increment(ref lists) == 2)
                {
                    secondList.TrySetResult();
                }

                return TestApiServer.WriteJsonAsync(ctx, 200, ListJson("5", null, Cm("a", 5)));
            }

            return lists == 1
                ? StreamAsync(ctx, """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"internal error","reason":"InternalError","code":500}}""")
                : HangAsync(ctx);
        };
        var informer = NewInformer(new InformerOptions { TimeProvider = time, InitialBackoff = TimeSpan.FromSeconds(1) });
        using var cts = new CancellationTokenSource();

        var run = informer.RunAsync(cts.Token);
        await WaitUntil(() => time.PendingTimers > 0);
        Assert.Equal(["add a@5", "error 500 InternalError"], _log.ToArray());
        Assert.Equal(1, Volatile.Read(ref lists));
        time.Advance(TimeSpan.FromSeconds(1));
        await secondList.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["add a@5", "error 500 InternalError"], _log.ToArray());
    }

    [Fact]
    public async Task Run_ResyncPeriod_RedeliversEveryCachedObjectAsUpdate()
    {
        var time = new FakeTimeProvider();
        _server.Handler = (ctx, req) => req.Query.ContainsKey("watch")
            ? HangAsync(ctx)
            : TestApiServer.WriteJsonAsync(ctx, 200, ListJson("5", null, Cm("a", 4), Cm("b", 5)));
        var informer = NewInformer(new InformerOptions { TimeProvider = time, ResyncPeriod = TimeSpan.FromMinutes(10) });
        using var cts = new CancellationTokenSource();

        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntil(() => time.PendingTimers > 0);
        time.Advance(TimeSpan.FromMinutes(10));
        await WaitUntil(() => _log.Count == 4);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["add a@4", "add b@5", "update a@4->4", "update b@5->5"], _log.Order().ToArray());
    }

    [Fact]
    public async Task Run_ServerUnreachable_RetriesWithDoublingBackoffUntilItAnswers()
    {
        var time = new FakeTimeProvider();
        var lists = 0;
        _server.Handler = (ctx, req) =>
        {
            if (req.Query.ContainsKey("watch"))
            {
                return HangAsync(ctx);
            }

            return Interlocked.Increment(ref lists) <= 3
                ? TestApiServer.WriteJsonAsync(ctx, 503, TestApiServer.StatusJson(503, "ServiceUnavailable", "etcd down"))
                : TestApiServer.WriteJsonAsync(ctx, 200, ListJson("5", null, Cm("a", 5)));
        };
        var informer = NewInformer(new InformerOptions { TimeProvider = time, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(3) });
        using var cts = new CancellationTokenSource();

        var run = informer.RunAsync(cts.Token);
        foreach (var (delay, expectedLists) in new[] { (1, 2), (2, 3), (3, 4) })
        {
            await WaitUntil(() => time.PendingTimers > 0);
            time.Advance(TimeSpan.FromSeconds(delay) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(expectedLists - 1, Volatile.Read(ref lists));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await WaitUntil(() => Volatile.Read(ref lists) == expectedLists);
        }

        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["add a@5"], _log.ToArray());
    }

    [Fact]
    public async Task Run_WatchClosedAtOnceWithoutEvents_BacksOffInsteadOfSpinning()
    {
        var time = new FakeTimeProvider();
        var watches = 0;
        _server.Handler = (ctx, req) =>
        {
            if (!req.Query.ContainsKey("watch"))
            {
                return TestApiServer.WriteJsonAsync(ctx, 200, ListJson("5", null, Cm("a", 5)));
            }

            return Interlocked.Increment(ref watches) == 1 ? StreamAsync(ctx) : HangAsync(ctx);
        };
        var informer = NewInformer(new InformerOptions { TimeProvider = time, InitialBackoff = TimeSpan.FromSeconds(1) });
        using var cts = new CancellationTokenSource();

        var run = informer.RunAsync(cts.Token);
        await WaitUntil(() => time.PendingTimers > 0);
        Assert.Equal(1, Volatile.Read(ref watches));
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => Volatile.Read(ref watches) == 2);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("5", _server.Requests.Last().Query["resourceVersion"]);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(5);
        }

        Assert.True(condition(), "condition not reached");
    }
}
