using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator.Http;

/// <summary>The REST surface: discovery, Table output, watch streams, errors, auth, TLS and fault injection.</summary>
public sealed class ApiHandlerTests
{
    private const string Widgets = SimHttp.Widgets;

    private static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static string Name(JsonObject e) => e["object"]!["metadata"]!["name"]!.GetValue<string>();

    private static async Task<(ClusterSimulator Sim, SimHttp Http)> StartAsync(SimulatorOptions? options = null) =>
        await SimHttp.StartWithWidgetsAsync(options);

    [Fact]
    public async Task Discovery_ListsBuiltInAndCustomResources()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;

        var (_, api) = await http.GetAsync("/api");
        var (_, groups) = await http.GetAsync("/apis");
        var (_, widgets) = await http.GetAsync("/apis/test.ferry.io/v1alpha1");
        var (_, core) = await http.GetAsync("/api/v1");
        var (_, version) = await http.GetAsync("/version");

        Assert.Equal(["v1"], api["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var groupNames = groups["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("test.ferry.io", groupNames);
        Assert.Contains("batch", groupNames);
        Assert.Contains("coordination.k8s.io", groupNames);
        var resources = widgets["resources"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var widget = resources.Single(r => r["name"]!.GetValue<string>() == "widgets");
        Assert.Equal("Widget", widget["kind"]!.GetValue<string>());
        Assert.True(widget["namespaced"]!.GetValue<bool>());
        Assert.Equal(["wd"], widget["shortNames"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Contains(resources, r => r["name"]!.GetValue<string>() == "widgets/status");
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "pods");
        Assert.Equal("1", version["major"]!.GetValue<string>());
    }

    [Fact]
    public async Task CustomResourceDefinition_IsEstablished()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;

        var (_, crd) = await http.GetAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.ferry.io");

        var conditions = crd["status"]!["conditions"]!.AsArray();
        Assert.Contains(conditions, c => c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");
    }

    [Fact]
    public async Task Table_UsesPrinterColumns()
    {
        var clock = new ManualTimeProvider();
        var (sim, http) = await StartAsync(new SimulatorOptions { TimeProvider = clock });
        await using var _ = sim;
        using var __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("t", size: 7));
        await http.MergePatchAsync($"{Widgets}/t/status", JsonNode.Parse("""{"status":{"phase":"Running","conditions":[{"type":"Other","status":"False"},{"type":"Ready","status":"True"}]}}""")!);
        clock.Advance(TimeSpan.FromSeconds(90));

        var (code, table) = await http.GetAsync(Widgets, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "Phase", "Size", "Ready", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("t", cells[0]!.GetValue<string>());
        Assert.Equal("Running", cells[1]!.GetValue<string>());
        Assert.Equal(7, cells[2]!.GetValue<int>());
        Assert.Equal("True", cells[3]!.GetValue<string>());
        Assert.Equal("90s", cells[4]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_InvalidObject_IsInvalidStatusWithCauses()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        var widget = SimHttp.Widget("bad", size: 0);
        widget["spec"]!["mode"] = "Reckless";
        widget["spec"]!["source"]!["volume"] = new JsonObject { ["claimName"] = "pvc" };

        var (code, status) = await http.PostAsync(Widgets, widget);

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var fields = status["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("spec.size", fields);
        Assert.Contains("spec.mode", fields);
        Assert.Contains("spec.source", fields);
        Assert.StartsWith("Widget.test.ferry.io \"bad\" is invalid", status["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Errors_AreStatusObjects()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;

        var (missingCode, missing) = await http.GetAsync($"{Widgets}/nope");
        var (unknownCode, unknown) = await http.GetAsync("/apis/nothing.io/v1/things");
        var (badCode, bad) = await http.GetAsync($"{Widgets}?labelSelector=a%20in%20()");

        Assert.Equal(HttpStatusCode.NotFound, missingCode);
        Assert.Equal("Status", missing["kind"]!.GetValue<string>());
        Assert.Equal("NotFound", missing["reason"]!.GetValue<string>());
        Assert.Equal("nope", missing["details"]!["name"]!.GetValue<string>());
        Assert.Equal("widgets.test.ferry.io \"nope\" not found", missing["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, unknownCode);
        Assert.Equal("NotFound", unknown["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badCode);
        Assert.Equal("BadRequest", bad["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_FromResourceVersion_ReplaysOnlyLaterEvents()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        var a = await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        await http.CreateAsync(Widgets, SimHttp.Widget("b"));
        await http.MergePatchAsync($"{Widgets}/a", JsonNode.Parse("""{"spec":{"size":8}}""")!);

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&resourceVersion={Rv(a)}");
        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        await http.DeleteAsync($"{Widgets}/b");
        var third = await watch.NextAsync();

        Assert.Equal(("ADDED", "b"), (first!["type"]!.GetValue<string>(), Name(first)));
        Assert.Equal(("MODIFIED", "a"), (second!["type"]!.GetValue<string>(), Name(second)));
        Assert.Equal(8, second["object"]!["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(("DELETED", "b"), (third!["type"]!.GetValue<string>(), Name(third)));
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithCurrentObjects()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));

        await using var watch = await WatchStream.OpenAsync(http.Client, $"/apis/test.ferry.io/v1alpha1/watch/namespaces/default/widgets");
        var first = await watch.NextAsync();

        Assert.Equal(200, watch.StatusCode);
        Assert.Equal(("ADDED", "a"), (first!["type"]!.GetValue<string>(), Name(first)));
    }

    [Fact]
    public async Task Watch_TooOldResourceVersion_SendsExpiredErrorEvent()
    {
        var (sim, http) = await StartAsync(new SimulatorOptions { WatchHistorySize = 2 });
        await using var _ = sim;
        using var __ = http;
        var first = await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        foreach (var n in new[] { "b", "c", "d" })
        {
            await http.CreateAsync(Widgets, SimHttp.Widget(n));
        }

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=1&resourceVersion={Rv(first)}");
        var events = await watch.ReadToEndAsync();

        Assert.Equal(200, watch.StatusCode);
        var error = Assert.Single(events);
        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_AllowBookmarks_SendsPeriodicBookmarks()
    {
        var clock = new ManualTimeProvider();
        var (sim, http) = await StartAsync(new SimulatorOptions { TimeProvider = clock, BookmarkInterval = TimeSpan.FromSeconds(10) });
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("a"));

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&allowWatchBookmarks=true&resourceVersion={Rv(created)}");
        JsonObject? bookmark = null;
        for (var i = 0; i < 100 && bookmark is null; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            bookmark = (await watch.TryNextAsync(TimeSpan.FromMilliseconds(100))).Event;
        }

        Assert.NotNull(bookmark);
        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal("Widget", bookmark["object"]!["kind"]!.GetValue<string>());
        Assert.True(long.Parse(Rv(bookmark["object"]!.AsObject())) >= long.Parse(Rv(created)));
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsStreamWithBookmark()
    {
        var clock = new ManualTimeProvider();
        var (sim, http) = await StartAsync(new SimulatorOptions { TimeProvider = clock, BookmarkInterval = TimeSpan.FromHours(1) });
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("a"));

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&allowWatchBookmarks=true&timeoutSeconds=30&resourceVersion={Rv(created)}");
        var events = new List<JsonObject>();
        var ended = false;
        for (var i = 0; i < 100 && !ended; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(31));
            while (await watch.TryNextAsync(TimeSpan.FromMilliseconds(100)) is (true, var e))
            {
                if (e is null)
                {
                    ended = true;
                    break;
                }

                events.Add(e);
            }
        }

        Assert.True(ended);
        Assert.Equal("BOOKMARK", Assert.Single(events)["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_LabelSelector_ObjectLeavingSelectionIsDeleted()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("a", labels: new JsonObject { ["pick"] = "yes" }));

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&labelSelector=pick%3Dyes&resourceVersion={Rv(created)}");
        await http.MergePatchAsync($"{Widgets}/a", JsonNode.Parse("""{"metadata":{"labels":{"pick":"no"}}}""")!);
        var left = await watch.NextAsync();
        await http.MergePatchAsync($"{Widgets}/a", JsonNode.Parse("""{"metadata":{"labels":{"pick":"yes"}}}""")!);
        var back = await watch.NextAsync();

        Assert.Equal("DELETED", left!["type"]!.GetValue<string>());
        Assert.Equal("ADDED", back!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_SendInitialEvents_EndsInitialStateWithAnnotatedBookmark()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        await http.CreateAsync(Widgets, SimHttp.Widget("b"));

        await using var watch = await WatchStream.OpenAsync(http.Client,
            $"{Widgets}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };

        Assert.Equal(["ADDED", "ADDED", "BOOKMARK"], events.Select(e => e!["type"]!.GetValue<string>()));
        Assert.Equal("true", events[2]!["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_AcceptTable_SendsTableRows()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a", size: 4));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Widgets.TrimStart('/')}?watch=true");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");

        using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)))!)!;

        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
        Assert.Equal("Table", first["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(4, first["object"]!["rows"]![0]!["cells"]![2]!.GetValue<int>());
    }

    [Fact]
    public async Task DropWatches_CutsOpenStreams()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&resourceVersion={Rv(created)}");
        for (var i = 0; i < 2000 && sim.Store.WatchCount == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, sim.Store.WatchCount);

        sim.DropWatches();
        var cut = false;
        try
        {
            cut = await watch.NextAsync() is null;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            cut = true;
        }

        Assert.True(cut);
        Assert.Equal(1, sim.Faults.DroppedWatches);
    }

    [Fact]
    public async Task Faults_ConflictRateOne_AnswersUpdatesWith409_ReadsUnaffected()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        sim.Faults.ConflictRates["widgets"] = 1.0;

        var (patchCode, patch) = await http.MergePatchAsync($"{Widgets}/a", JsonNode.Parse("""{"spec":{"size":9}}""")!);
        var (getCode, current) = await http.GetAsync($"{Widgets}/a");

        Assert.Equal(HttpStatusCode.Conflict, patchCode);
        Assert.Equal("Conflict", patch["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, getCode);
        Assert.Equal(5, current["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(1, sim.Faults.InjectedConflicts);
    }

    [Fact]
    public async Task Faults_DropWatchesAfter_CutsStreamsWhenTheClockPassesIt()
    {
        var clock = new ManualTimeProvider();
        var (sim, http) = await StartAsync(new SimulatorOptions { TimeProvider = clock });
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("a"));
        sim.Faults.DropWatchesAfter = TimeSpan.FromSeconds(5);

        await using var watch = await WatchStream.OpenAsync(http.Client, $"{Widgets}?watch=true&resourceVersion={Rv(created)}");
        var cut = false;
        for (var i = 0; i < 100 && !cut; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            try
            {
                cut = await watch.TryNextAsync(TimeSpan.FromMilliseconds(100)) is (true, null);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                cut = true;
            }
        }

        Assert.True(cut);
    }

    [Fact]
    public async Task Faults_Latency_DelaysAnswersUntilTheClockPassesIt()
    {
        var clock = new ManualTimeProvider();
        var (sim, http) = await StartAsync(new SimulatorOptions { TimeProvider = clock });
        await using var _ = sim;
        using var __ = http;
        sim.Faults.Latency = TimeSpan.FromSeconds(2);

        var pending = http.GetAsync("/api/v1/namespaces/default");
        var answeredEarly = await Task.WhenAny(pending, Task.Delay(200)) == pending;
        for (var i = 0; i < 500 && !pending.IsCompleted; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            await Task.WhenAny(pending, Task.Delay(50));
        }

        Assert.False(answeredEarly);
        Assert.Equal(HttpStatusCode.OK, (await pending).Code);
    }

    [Fact]
    public async Task Faults_ServerErrorRateOne_Answers500()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        sim.Faults.ServerErrorRate = 1.0;

        var (code, status) = await http.GetAsync(Widgets);
        sim.Faults.Clear();
        var (after, _) = await http.GetAsync(Widgets);

        Assert.Equal(HttpStatusCode.InternalServerError, code);
        Assert.Equal("InternalError", status["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Token_WhenConfigured_IsRequired()
    {
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Token = "s3cret" });
        using var anonymous = new HttpClient { BaseAddress = sim.Url };
        using var authorized = sim.CreateHttpClient();

        using var refused = await anonymous.GetAsync("api");
        using var accepted = await authorized.GetAsync("api");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains("token: s3cret", sim.Kubeconfig());
    }

    [Fact]
    public async Task Https_ServesWithSelfSignedCertificateInKubeconfig()
    {
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { UseHttps = true });
        using var client = sim.CreateHttpClient();

        using var response = await client.GetAsync("api/v1/namespaces/default");

        Assert.Equal("https", sim.Url.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("certificate-authority-data: ", sim.Kubeconfig());
    }

    [Fact]
    public async Task Delete_ProtobufDeleteOptions_PreconditionsAndPolicyAreDecoded()
    {
        var (sim, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        var created = await http.CreateAsync(Widgets, SimHttp.Widget("w"));

        // What client-go sends with a delete when it speaks protobuf (Helm purging its release Secrets does).
        static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];
        static byte[] Text(string s) => System.Text.Encoding.UTF8.GetBytes(s);
        byte[] Envelope(string uid) =>
        [
            .. "k8s\0"u8.ToArray(),
            .. Field(1, [.. Field(1, Text("v1")), .. Field(2, Text("DeleteOptions"))]),
            .. Field(2, [.. Field(2, Field(1, Text(uid))), .. Field(4, Text("Foreground"))]),
        ];
        async Task<HttpResponseMessage> DeleteAsync(string uid)
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, Widgets.TrimStart('/') + "/w")
            {
                Content = new ByteArrayContent(Envelope(uid)),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
            return await http.Client.SendAsync(request);
        }

        using var wrongUid = await DeleteAsync("00000000-0000-0000-0000-000000000000");
        using var deleted = await DeleteAsync((string)created["metadata"]!["uid"]!);

        Assert.Equal(HttpStatusCode.Conflict, wrongUid.StatusCode);
        Assert.Contains("Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000", await wrongUid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
    }
}
