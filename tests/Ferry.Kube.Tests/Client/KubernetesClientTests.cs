using System.Text.Json.Nodes;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.Kube.Tests.TestSupport;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Ferry.Kube.Tests.Client;

public sealed class KubernetesClientTests : IAsyncLifetime
{
    private TestApiServer _server = null!;

    public async Task InitializeAsync() => _server = await TestApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly ResourceDescriptor SyncJobs = new("ferry.io", "v1alpha1", "syncjobs", "SyncJob", true);

    [Fact]
    public async Task Get_ConfigMap_SendsBearerTokenAndDecodesObject()
    {
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, 200,
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"files","namespace":"ns","resourceVersion":"7"},"data":{"list":"a/\nb/"}}""");
        using var client = _server.CreateClient();

        var cm = await client.GetAsync(KubeResources.ConfigMaps, "ns", "files");

        Assert.Equal("a/\nb/", cm.Data!["list"]);
        Assert.Equal("7", cm.Metadata.ResourceVersion);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("GET", "/api/v1/namespaces/ns/configmaps/files"), (request.Method, request.Path));
        Assert.Equal("Bearer test-token", request.Authorization);
    }

    [Fact]
    public async Task Get_BasicAuthAndNoToken_SendsBasicHeader()
    {
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, 200, """{"metadata":{"name":"files","namespace":"ns"}}""");
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Host = _server.Url.AbsoluteUri, Username = "admin", Password = "pw" });

        await client.GetAsync(KubeResources.ConfigMaps, "ns", "files");

        Assert.Equal("Basic " + Convert.ToBase64String("admin:pw"u8.ToArray()), Assert.Single(_server.Requests).Authorization);
    }

    [Fact]
    public async Task List_PagesWithSelectors_SendsQueryAndFillsMissingTypeMeta()
    {
        _server.Handler = (ctx, req) => req.Query.ContainsKey("continue")
            ? TestApiServer.WriteJsonAsync(ctx, 200, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"11"},"items":[{"metadata":{"name":"p3","namespace":"ns"}}]}""")
            : TestApiServer.WriteJsonAsync(ctx, 200, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"tok"},"items":[{"metadata":{"name":"p1","namespace":"ns"},"status":{"phase":"Running"}},{"metadata":{"name":"p2","namespace":"ns"}}]}""");
        using var client = _server.CreateClient();

        var first = await client.ListAsync(KubeResources.Pods, "ns", new KubeListOptions { LabelSelector = "ferry.io/run in (1,2)", FieldSelector = "status.phase!=Failed", Limit = 2 });
        var second = await client.ListAsync(KubeResources.Pods, "ns", new KubeListOptions { Limit = 2, Continue = first.Metadata.ContinueProperty });

        Assert.Equal(["p1", "p2"], first.Items.Select(p => p.Metadata.Name));
        Assert.Equal("Running", first.Items[0].Status!.Phase);
        Assert.Equal(("v1", "Pod"), (first.Items[1].ApiVersion, first.Items[1].Kind));
        Assert.Equal("tok", first.Metadata.ContinueProperty);
        Assert.Equal("p3", Assert.Single(second.Items).Metadata.Name);
        Assert.Equal("11", second.Metadata.ResourceVersion);
        var requests = _server.Requests.ToArray();
        Assert.Equal("ferry.io/run in (1,2)", requests[0].Query["labelSelector"]);
        Assert.Equal("status.phase!=Failed", requests[0].Query["fieldSelector"]);
        Assert.Equal("2", requests[0].Query["limit"]);
        Assert.Equal("tok", requests[1].Query["continue"]);
    }

    [Fact]
    public async Task CreateReplacePatchApplyDelete_SendTheRightMethodsPathsAndContentTypes()
    {
        _server.Handler = (ctx, req) => TestApiServer.WriteJsonAsync(ctx, req.Method == "POST" ? 201 : 200,
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l","namespace":"ns","resourceVersion":"5"},"spec":{"holderIdentity":"a"}}""");
        using var client = _server.CreateClient();
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "l", ResourceVersion = "4" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } };

        var created = await client.CreateAsync(KubeResources.Leases, "ns", lease, new WriteOptions { FieldManager = "ferry" });
        await client.ReplaceAsync(KubeResources.Leases, "ns", "l", lease);
        await client.PatchAsync(KubeResources.Leases, "ns", "l", new JsonObject { ["spec"] = new JsonObject { ["holderIdentity"] = null } });
        await client.PatchAsync(KubeResources.Leases, "ns", "l", new JsonObject { ["status"] = new JsonObject() }, new WriteOptions { Subresource = "status" });
        await client.ApplyAsync(KubeResources.Leases, "ns", "l", lease, new ApplyOptions("ferry-operator") { Force = true });
        await client.DeleteAsync(KubeResources.Leases, "ns", "l", new DeleteOptions { PropagationPolicy = PropagationPolicy.Foreground, PreconditionResourceVersion = "5" });

        Assert.Equal("5", created.Metadata.ResourceVersion);
        var r = _server.Requests.ToArray();
        Assert.Equal(("POST", "/apis/coordination.k8s.io/v1/namespaces/ns/leases", "ferry"), (r[0].Method, r[0].Path, r[0].Query["fieldManager"]));
        Assert.StartsWith("application/json", r[0].ContentType, StringComparison.Ordinal);
        Assert.Equal(("PUT", "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l"), (r[1].Method, r[1].Path));
        Assert.Equal("4", JsonNode.Parse(r[1].Body)!["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("PATCH", r[2].Method);
        Assert.StartsWith("application/merge-patch+json", r[2].ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"spec":{"holderIdentity":null}}""", r[2].Body);
        Assert.Equal("/apis/coordination.k8s.io/v1/namespaces/ns/leases/l/status", r[3].Path);
        Assert.StartsWith("application/apply-patch+yaml", r[4].ContentType, StringComparison.Ordinal);
        Assert.Equal(("ferry-operator", "true"), (r[4].Query["fieldManager"], r[4].Query["force"]));
        Assert.Equal("Lease", JsonNode.Parse(r[4].Body)!["kind"]!.GetValue<string>());
        Assert.Equal("DELETE", r[5].Method);
        var deleteBody = JsonNode.Parse(r[5].Body)!;
        Assert.Equal("Foreground", deleteBody["propagationPolicy"]!.GetValue<string>());
        Assert.Equal("5", deleteBody["preconditions"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task StatusSubresource_GetAndReplace_UseStatusPath()
    {
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, 200,
            """{"apiVersion":"ferry.io/v1alpha1","kind":"SyncJob","metadata":{"name":"a","namespace":"ns"},"status":{"phase":"Running"}}""");
        using var client = _server.CreateClient();
        var type = KubeResources.Untyped(SyncJobs);

        var sj = await client.GetStatusAsync(type, "ns", "a");
        var phaseRead = sj["status"]!["phase"]!.GetValue<string>();
        sj["status"]!["phase"] = "Succeeded";
        await client.ReplaceStatusAsync(type, "ns", "a", sj);
        await client.PatchStatusAsync(type, "ns", "a", new JsonObject { ["status"] = new JsonObject { ["phase"] = "Failed" } });

        Assert.Equal("Running", phaseRead);
        var r = _server.Requests.ToArray();
        Assert.All(r, x => Assert.Equal("/apis/ferry.io/v1alpha1/namespaces/ns/syncjobs/a/status", x.Path));
        Assert.Equal(["GET", "PUT", "PATCH"], r.Select(x => x.Method));
        Assert.Equal("Succeeded", JsonNode.Parse(r[1].Body)!["status"]!["phase"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(404, "NotFound", nameof(KubernetesApiException.IsNotFound))]
    [InlineData(409, "AlreadyExists", nameof(KubernetesApiException.IsAlreadyExists))]
    [InlineData(409, "Conflict", nameof(KubernetesApiException.IsConflict))]
    [InlineData(422, "Invalid", nameof(KubernetesApiException.IsInvalid))]
    [InlineData(410, "Expired", nameof(KubernetesApiException.IsGone))]
    public async Task ErrorStatus_BecomesTypedException(int code, string reason, string predicate)
    {
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, code, TestApiServer.StatusJson(code, reason, "the message", "a", "syncjobs"));
        using var client = _server.CreateClient();

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync(KubeResources.Untyped(SyncJobs), "ns", "a"));

        Assert.Equal((code, reason, "the message", "a"), (e.Code, e.Reason, e.Status.Message, e.Details?.Name));
        Assert.True((bool)typeof(KubernetesApiException).GetProperty(predicate)!.GetValue(e)!);
    }

    [Fact]
    public async Task ErrorWithoutStatusBody_ReasonDerivedFromHttpCode()
    {
        _server.Handler = async (ctx, _) =>
        {
            ctx.Response.StatusCode = 503;
            await ctx.Response.WriteAsync("<html>upstream down</html>");
        };
        using var client = _server.CreateClient();

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync(KubeResources.Pods, "ns", "p"));

        Assert.Equal((503, "ServiceUnavailable"), (e.Code, e.Reason));
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task ConnectionRefused_IsTransientTransportException()
    {
        var url = _server.Url;
        await _server.DisposeAsync();
        _server = await TestApiServer.StartAsync();
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Host = url.AbsoluteUri });

        var e = await Assert.ThrowsAsync<KubernetesTransportException>(() => client.GetAsync(KubeResources.Pods, "ns", "p"));

        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Request_NoAnswerWithinTimeout_ThrowsTransientTransportExceptionWhenFakeClockPasses100Seconds()
    {
        var received = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        _server.Handler = async (ctx, _) =>
        {
            received.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
        };
        var time = new FakeTimeProvider();
        using var client = _server.CreateClient(time);

        var call = client.GetAsync(KubeResources.Pods, "ns", "p");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(99));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<KubernetesTransportException>(() => call);
        release.TrySetResult();

        Assert.True(e.IsTransient);
        Assert.Contains("timed out after 100 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_StreamsEventsIncludingBookmarkAndError()
    {
        _server.Handler = async (ctx, req) =>
        {
            ctx.Response.ContentType = "application/json";
            foreach (var line in new[]
            {
                """{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"11"}}}""",
                """{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"12"},"data":{"k":"v"}}}""",
                """{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}""",
                """{"type":"DELETED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"16"}}}""",
                """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 10 (16)","reason":"Expired","code":410}}""",
            })
            {
                await ctx.Response.WriteAsync(line + "\n");
                await ctx.Response.Body.FlushAsync();
            }
        };
        using var client = _server.CreateClient();

        var events = new List<WatchEvent<V1ConfigMap>>();
        await foreach (var e in client.WatchAsync(KubeResources.ConfigMaps, "ns", new WatchOptions { ResourceVersion = "10", TimeoutSeconds = 30 }))
        {
            events.Add(e);
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted, WatchEventType.Error], events.Select(e => e.Type));
        Assert.Equal("v", events[1].Object!.Data!["k"]);
        Assert.Equal(("ns", "a", "12"), (events[1].Namespace, events[1].Name, events[1].ResourceVersion));
        Assert.Equal("15", events[2].ResourceVersion);
        Assert.Equal((410, "Expired"), (events[4].Status!.Code, events[4].Status!.Reason));
        var query = Assert.Single(_server.Requests).Query;
        Assert.Equal(("true", "10", "true", "30"), (query["watch"], query["resourceVersion"], query["allowWatchBookmarks"], query["timeoutSeconds"]));
    }

    [Fact]
    public async Task Watch_BookmarkOfKindWithRequiredSpec_HasResourceVersionAndNoObject()
    {
        // A real API server's BOOKMARK object holds only kind, apiVersion and metadata.resourceVersion; a SyncJob
        // requires spec, so decoding the bookmark as a SyncJob would fail the watch.
        _server.Handler = async (ctx, req) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"type":"BOOKMARK","object":{"kind":"SyncJob","apiVersion":"ferry.io/v1alpha1","metadata":{"resourceVersion":"42"}}}""" + "\n");
        };
        using var client = _server.CreateClient();
        var syncJobs = new ResourceType<Ferry.Api.SyncJobs.SyncJob>(
            new ResourceDescriptor("ferry.io", "v1alpha1", "syncjobs", "SyncJob", Namespaced: true),
            Ferry.Api.Serialization.ApiJsonContext.Default.SyncJob);

        var events = new List<WatchEvent<Ferry.Api.SyncJobs.SyncJob>>();
        await foreach (var e in client.WatchAsync(syncJobs, "ns", new WatchOptions { ResourceVersion = "10" }))
        {
            events.Add(e);
        }

        var bookmark = Assert.Single(events);
        Assert.Equal((WatchEventType.Bookmark, "42"), (bookmark.Type, bookmark.ResourceVersion));
        Assert.Null(bookmark.Object);
    }

    [Fact]
    public async Task Watch_GoneAtConnect_ThrowsIsGone()
    {
        _server.Handler = (ctx, _) => TestApiServer.WriteJsonAsync(ctx, 410, TestApiServer.StatusJson(410, "Expired", "too old resource version"));
        using var client = _server.CreateClient();

        var e = await Assert.ThrowsAsync<KubernetesApiException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(KubeResources.ConfigMaps, "ns", new WatchOptions { ResourceVersion = "1" }))
            {
            }
        });

        Assert.True(e.IsGone);
    }

    [Fact]
    public async Task Watch_NotSubjectToRequestTimeout()
    {
        var time = new FakeTimeProvider();
        var sent = new TaskCompletionSource();
        var finish = new TaskCompletionSource();
        _server.Handler = async (ctx, _) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("""{"type":"ADDED","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"1"}}}""" + "\n");
            await ctx.Response.Body.FlushAsync();
            sent.TrySetResult();
            await finish.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await ctx.Response.WriteAsync("""{"type":"DELETED","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"2"}}}""" + "\n");
        };
        using var client = _server.CreateClient(time);

        await using var e = client.WatchAsync(KubeResources.ConfigMaps, "ns").GetAsyncEnumerator();
        Assert.True(await e.MoveNextAsync());
        await sent.Task;
        time.Advance(TimeSpan.FromMinutes(10));
        finish.TrySetResult();
        Assert.True(await e.MoveNextAsync());
        Assert.Equal(WatchEventType.Deleted, e.Current.Type);
        Assert.False(await e.MoveNextAsync());
    }
}
