using Ferry.Testing.Time;
using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Http;

namespace Ferry.Kube.Tests.Simulator.Http;

/// <summary>The simulator's request counter: API verbs per resource, subresource and namespace, errors, the shortest
/// gap between requests of one kind, reset, and the <c>/debug/requests</c> endpoint.</summary>
public sealed class RequestCounterTests
{
    private const string Widgets = SimHttp.Widgets;

    private static RequestCounter.Key WidgetKey(string verb, string? subresource = null, string? ns = "default") =>
        new(verb, "test.ferry.io", "widgets", subresource, ns);

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", null, "list", "", "pods", null, "ns1")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods/p", null, "get", "", "pods", null, "ns1")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods/p/log", null, "get", "", "pods", "log", "ns1")]
    [InlineData("GET", "/api/v1/namespaces/ns1/pods", "true", "watch", "", "pods", null, "ns1")]
    [InlineData("GET", "/api/v1/watch/namespaces/ns1/pods", null, "watch", "", "pods", null, "ns1")]
    [InlineData("GET", "/api/v1/pods", "1", "watch", "", "pods", null, null)]
    [InlineData("GET", "/api/v1/namespaces", null, "list", "", "namespaces", null, null)]
    [InlineData("GET", "/api/v1/namespaces/ns1", null, "get", "", "namespaces", null, null)]
    [InlineData("PUT", "/api/v1/namespaces/ns1/status", null, "update", "", "namespaces", "status", null)]
    [InlineData("PUT", "/api/v1/namespaces/ns1/finalize", null, "update", "", "namespaces", "finalize", null)]
    [InlineData("POST", "/apis/coordination.k8s.io/v1/namespaces/ns1/leases", null, "create", "coordination.k8s.io", "leases", null, "ns1")]
    [InlineData("PUT", "/apis/coordination.k8s.io/v1/namespaces/ns1/leases/l", null, "update", "coordination.k8s.io", "leases", null, "ns1")]
    [InlineData("PATCH", "/apis/ferry.io/v1alpha1/namespaces/ns1/syncjobs/j/status", null, "patch", "ferry.io", "syncjobs", "status", "ns1")]
    [InlineData("DELETE", "/apis/batch/v1/namespaces/ns1/jobs/j", null, "delete", "batch", "jobs", null, "ns1")]
    [InlineData("DELETE", "/apis/batch/v1/namespaces/ns1/jobs", null, "deletecollection", "batch", "jobs", null, "ns1")]
    [InlineData("GET", "/apis/batch/v1", null, "GET", "", "/apis/batch/v1", null, null)]
    [InlineData("GET", "/version", null, "GET", "", "/version", null, null)]
    [InlineData("GET", "/", null, "GET", "", "/", null, null)]
    public void Classify_Path_VerbResourceSubresourceNamespace(string method, string path, string? watch,
        string verb, string group, string resource, string? subresource, string? ns)
    {
        RequestCounter.Key key = RequestCounter.Classify(method, path, watch);

        Assert.Equal(new RequestCounter.Key(verb, group, resource, subresource, ns), key);
    }

    [Fact]
    public async Task Requests_ApiCalls_CountedByVerbResourceSubresourceNamespace()
    {
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync();
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        sim.Requests.Reset();

        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        await http.CreateAsync(Widgets, SimHttp.Widget("b"));
        await http.GetAsync($"{Widgets}/a");
        await http.GetAsync(Widgets);
        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"Running"}}""")!);
        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"Done"}}""")!);
        using (HttpResponseMessage watch = await http.Client.GetAsync($"{Widgets.TrimStart('/')}?watch=true&timeoutSeconds=1"))
        {
            await watch.Content.ReadAsStringAsync();
        }

        await http.DeleteAsync($"{Widgets}/b");
        await http.GetAsync("/version");
        IReadOnlyDictionary<RequestCounter.Key, RequestCounter.Counts> counts = sim.Requests.Snapshot();

        Assert.Equal(2, counts[WidgetKey("create")].Count);
        Assert.Equal(1, counts[WidgetKey("get")].Count);
        Assert.Equal(1, counts[WidgetKey("list")].Count);
        Assert.Equal(2, counts[WidgetKey("patch", "status")].Count);
        Assert.Equal(1, counts[WidgetKey("watch")].Count);
        Assert.Equal(1, counts[WidgetKey("delete")].Count);
        Assert.Equal(1, counts[new RequestCounter.Key("GET", "", "/version", null, null)].Count);
        Assert.Equal(9, sim.Requests.Total);
        Assert.Equal(3, sim.Requests.Sum(k => k.Resource == "widgets" && k.Verb is "patch" or "delete"));
        Assert.All(counts.Values, c => Assert.Equal(0, c.Errors));
    }

    [Fact]
    public async Task Requests_ConflictAndNotFound_CountedAsErrors()
    {
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync();
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        sim.Requests.Reset();
        sim.Faults.ConflictRates["widgets"] = 1.0;

        (HttpStatusCode conflict, JsonObject _) = await http.MergePatchAsync($"{Widgets}/a", JsonNode.Parse("""{"spec":{"size":8}}""")!);
        (HttpStatusCode missing, JsonObject _) = await http.GetAsync($"{Widgets}/nope");
        await http.GetAsync($"{Widgets}/a");
        IReadOnlyDictionary<RequestCounter.Key, RequestCounter.Counts> counts = sim.Requests.Snapshot();

        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(new RequestCounter.Counts(1, 1, null, counts[WidgetKey("patch")].First, counts[WidgetKey("patch")].Last), counts[WidgetKey("patch")]);
        Assert.Equal(2, counts[WidgetKey("get")].Count);
        Assert.Equal(1, counts[WidgetKey("get")].Errors);
    }

    [Fact]
    public async Task Requests_StatusWritesApart_MinIntervalIsShortestGap()
    {
        var clock = new TimerCountingFakeTimeProvider();
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync(new SimulatorOptions { Time = clock });
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        DateTimeOffset start = clock.GetUtcNow();

        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"A"}}""")!);
        clock.Advance(TimeSpan.FromSeconds(5));
        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"B"}}""")!);
        clock.Advance(TimeSpan.FromSeconds(2));
        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"C"}}""")!);
        clock.Advance(TimeSpan.FromSeconds(3));
        await http.MergePatchAsync($"{Widgets}/a/status", JsonNode.Parse("""{"status":{"phase":"D"}}""")!);
        RequestCounter.Counts writes = sim.Requests.Snapshot()[WidgetKey("patch", "status")];

        Assert.Equal(4, writes.Count);
        Assert.Equal(TimeSpan.FromSeconds(2), writes.MinInterval);
        Assert.Equal(start, writes.First);
        Assert.Equal(start + TimeSpan.FromSeconds(10), writes.Last);
    }

    [Fact]
    public async Task Reset_ForgetsCounts()
    {
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync();
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        await http.GetAsync(Widgets);

        sim.Requests.Reset();
        await http.GetAsync($"{Widgets}/x");

        Assert.Equal(1, sim.Requests.Total);
        Assert.Equal(0, sim.Requests.Sum(k => k.Verb == "list"));
    }

    [Fact]
    public async Task DebugEndpoint_ServesCountsAsJson_DeleteResets_NotCounted()
    {
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync(new SimulatorOptions { Token = "secret-token" });
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        sim.Requests.Reset();
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        await http.GetAsync(Widgets);
        using var anonymous = new HttpClient { BaseAddress = sim.Url };

        JsonObject document = JsonNode.Parse(await anonymous.GetStringAsync("debug/requests"))!.AsObject();
        using HttpResponseMessage reset = await anonymous.DeleteAsync("debug/requests");
        JsonObject after = JsonNode.Parse(await anonymous.GetStringAsync("debug/requests"))!.AsObject();

        Assert.Equal(2, document["total"]!.GetValue<long>());
        var rows = document["requests"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["create", "list"], rows.Select(r => r["verb"]!.GetValue<string>()));
        Assert.All(rows, r =>
        {
            Assert.Equal("widgets", r["resource"]!.GetValue<string>());
            Assert.Equal("test.ferry.io", r["group"]!.GetValue<string>());
            Assert.Equal("default", r["namespace"]!.GetValue<string>());
            Assert.Equal(1, r["count"]!.GetValue<long>());
        });
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(0, after["total"]!.GetValue<long>());
        Assert.Empty(after["requests"]!.AsArray());
    }

    [Fact]
    public async Task ToString_OneLinePerKeyAndTotal()
    {
        (ClusterSimulator? sim, SimHttp? http) = await SimHttp.StartWithWidgetsAsync();
        await using ClusterSimulator _ = sim;
        using SimHttp __ = http;
        sim.Requests.Reset();
        await http.GetAsync(Widgets);
        await http.GetAsync(Widgets);

        string text = sim.Requests.ToString();

        Assert.Equal($"{2,8} {0,6} list widgets.test.ferry.io -n default\n{2,8}        total\n", text);
    }
}
