using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator.Storage;

/// <summary>The store's semantics, exercised over real HTTP against a running simulator.</summary>
public sealed class ClusterStoreTests : IAsyncLifetime
{
    private const string Widgets = SimHttp.Widgets;
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private ClusterSimulator _sim = null!;
    private SimHttp _http = null!;

    public async Task InitializeAsync() => (_sim, _http) = await SimHttp.StartWithWidgetsAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();

    private static JsonObject ConfigMap(string name, JsonObject? labels = null, JsonArray? owners = null, JsonArray? finalizers = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            meta["labels"] = labels;
        }

        if (owners is not null)
        {
            meta["ownerReferences"] = owners;
        }

        if (finalizers is not null)
        {
            meta["finalizers"] = finalizers;
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = "v" } };
    }

    private static JsonArray OwnedBy(JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = owner["apiVersion"]!.GetValue<string>(),
        ["kind"] = owner["kind"]!.GetValue<string>(),
        ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
        ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
        ["controller"] = true,
    });

    [Fact]
    public async Task Create_Twice_SecondIsAlreadyExistsStatus()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("a"));

        var (code, body) = await _http.PostAsync(Widgets, SimHttp.Widget("a"));

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Status", body["kind"]!.GetValue<string>());
        Assert.Equal("AlreadyExists", body["reason"]!.GetValue<string>());
        Assert.Equal(409, body["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_SetsServerFields()
    {
        var before = _sim.Store.ResourceVersion;

        var created = await _http.CreateAsync(Widgets, SimHttp.Widget("fresh"));

        var meta = created["metadata"]!;
        Assert.True(Guid.TryParse(meta["uid"]!.GetValue<string>(), out _));
        Assert.True(DateTimeOffset.TryParse(meta["creationTimestamp"]!.GetValue<string>(), out _));
        Assert.Equal(1, Generation(created));
        Assert.Equal("default", meta["namespace"]!.GetValue<string>());
        Assert.True(long.Parse(Rv(created)) > before);
    }

    [Fact]
    public async Task Create_GenerateName_GivesDistinctNamesWithPrefix()
    {
        var body = SimHttp.Widget("x");
        body["metadata"]!.AsObject().Remove("name");
        body["metadata"]!["generateName"] = "run-";

        var first = await _http.CreateAsync(Widgets, body.DeepClone());
        var second = await _http.CreateAsync(Widgets, body.DeepClone());

        var a = first["metadata"]!["name"]!.GetValue<string>();
        var b = second["metadata"]!["name"]!.GetValue<string>();
        Assert.StartsWith("run-", a);
        Assert.Equal("run-".Length + 5, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Create_InMissingNamespace_IsNotFound()
    {
        var (code, body) = await _http.PostAsync("/api/v1/namespaces/nowhere/configmaps", ConfigMap("c"));

        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_StatusOnCustomResourceWithStatusSubresource_IsDropped()
    {
        var body = SimHttp.Widget("with-status");
        body["status"] = new JsonObject { ["phase"] = "Done" };

        var created = await _http.CreateAsync(Widgets, body);

        Assert.Null(created["status"]);
    }

    [Fact]
    public async Task Replace_StaleResourceVersion_IsConflict()
    {
        var created = await _http.CreateAsync(Widgets, SimHttp.Widget("w"));
        var first = created.DeepClone().AsObject();
        first["spec"]!["size"] = 7;
        var (ok, _) = await _http.PutAsync($"{Widgets}/w", first);
        Assert.Equal(HttpStatusCode.OK, ok);

        var stale = created.DeepClone().AsObject();
        stale["spec"]!["size"] = 8;
        var (code, body) = await _http.PutAsync($"{Widgets}/w", stale);

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", body["reason"]!.GetValue<string>());
        var (_, now) = await _http.GetAsync($"{Widgets}/w");
        Assert.Equal(7, now["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Replace_CustomResourceWithoutResourceVersion_IsInvalid()
    {
        var created = await _http.CreateAsync(Widgets, SimHttp.Widget("w"));
        created["metadata"]!.AsObject().Remove("resourceVersion");

        var (code, body) = await _http.PutAsync($"{Widgets}/w", created);

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_SpecChangeBumpsGeneration_MetadataChangeDoesNot()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("g"));

        var (_, labelled) = await _http.MergePatchAsync($"{Widgets}/g", JsonNode.Parse("""{"metadata":{"labels":{"x":"y"}}}""")!);
        var (_, resized) = await _http.MergePatchAsync($"{Widgets}/g", JsonNode.Parse("""{"spec":{"size":9}}""")!);

        Assert.Equal(1, Generation(labelled));
        Assert.Equal(2, Generation(resized));
        Assert.Equal(9, resized["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task MainEndpoint_IgnoresStatus_StatusEndpoint_IgnoresSpec()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("s"));

        var (_, viaMain) = await _http.MergePatchAsync($"{Widgets}/s", JsonNode.Parse("""{"spec":{"size":4},"status":{"phase":"Hacked"}}""")!);
        var (_, viaStatus) = await _http.MergePatchAsync($"{Widgets}/s/status", JsonNode.Parse("""{"spec":{"size":50},"status":{"phase":"Running"}}""")!);

        Assert.Null(viaMain["status"]);
        Assert.Equal(4, viaMain["spec"]!["size"]!.GetValue<int>());
        Assert.Equal("Running", viaStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(4, viaStatus["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(Generation(viaMain), Generation(viaStatus));
    }

    [Fact]
    public async Task Update_NoChange_KeepsResourceVersion()
    {
        var created = await _http.CreateAsync(Widgets, SimHttp.Widget("same"));

        var (code, after) = await _http.PutAsync($"{Widgets}/same", created);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(Rv(created), Rv(after));
    }

    [Fact]
    public async Task MergePatch_WithStaleResourceVersion_IsConflict()
    {
        var created = await _http.CreateAsync(Widgets, SimHttp.Widget("p"));
        await _http.MergePatchAsync($"{Widgets}/p", JsonNode.Parse("""{"spec":{"size":2}}""")!);

        var (code, _) = await _http.MergePatchAsync($"{Widgets}/p",
            new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(created) }, ["spec"] = new JsonObject { ["size"] = 3 } });

        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task JsonPatch_ReplacesValue()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("jp"));

        var (code, body) = await _http.SendAsync(HttpMethod.Patch, $"{Widgets}/jp",
            JsonNode.Parse("""[{"op":"replace","path":"/spec/size","value":11}]"""), "application/json-patch+json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(11, body["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task StrategicMergePatch_OnCustomResource_IsUnsupportedMediaType()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("smp"));

        var (code, _) = await _http.SendAsync(HttpMethod.Patch, $"{Widgets}/smp", JsonNode.Parse("""{"spec":{"size":2}}"""),
            "application/strategic-merge-patch+json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, code);
    }

    [Fact]
    public async Task ServerSideApply_CreatesThenMerges_AndRemovesFieldsTheManagerDropped()
    {
        const string first = """
            apiVersion: test.ferry.io/v1alpha1
            kind: Widget
            metadata:
              name: applied
              labels: {team: a, tier: x}
            spec:
              size: 4
              name: abc
              source: {s3: {bucket: b}}
            """;
        const string second = """
            apiVersion: test.ferry.io/v1alpha1
            kind: Widget
            metadata:
              name: applied
              labels: {team: a}
            spec:
              size: 6
              source: {s3: {bucket: b}}
            """;
        const string path = $"{Widgets}/applied?fieldManager=ferry";

        var (createdCode, created) = await _http.SendAsync(HttpMethod.Patch, path, JsonValue.Create(first), "application/apply-patch+yaml");
        await _http.MergePatchAsync($"{Widgets}/applied", JsonNode.Parse("""{"metadata":{"labels":{"other":"kept"}}}""")!);
        var (code, merged) = await _http.SendAsync(HttpMethod.Patch, path, JsonValue.Create(second), "application/apply-patch+yaml");

        Assert.Equal(HttpStatusCode.OK, createdCode);
        Assert.Equal("abc", created["spec"]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(6, merged["spec"]!["size"]!.GetValue<int>());
        Assert.Null(merged["spec"]!["name"]);
        Assert.Equal("kept", merged["metadata"]!["labels"]!["other"]!.GetValue<string>());
        Assert.Equal("Careful", merged["spec"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServerSideApply_WithoutFieldManager_IsInvalid()
    {
        var (code, _) = await _http.SendAsync(HttpMethod.Patch, $"{Widgets}/nofm", SimHttp.Widget("nofm"), "application/apply-patch+yaml");

        Assert.Equal((HttpStatusCode)422, code);
    }

    [Fact]
    public async Task Delete_WithFinalizer_MarksUntilLastFinalizerRemoved()
    {
        await _http.CreateAsync(ConfigMaps, ConfigMap("fin", finalizers: new JsonArray("ferry.io/cleanup")));

        var (deleteCode, marked) = await _http.DeleteAsync($"{ConfigMaps}/fin");
        var (stillCode, still) = await _http.GetAsync($"{ConfigMaps}/fin");
        var (addCode, _) = await _http.MergePatchAsync($"{ConfigMaps}/fin", JsonNode.Parse("""{"metadata":{"finalizers":["ferry.io/cleanup","another"]}}""")!);
        var (removeCode, _) = await _http.MergePatchAsync($"{ConfigMaps}/fin", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        var (goneCode, _) = await _http.GetAsync($"{ConfigMaps}/fin");

        Assert.Equal(HttpStatusCode.Accepted, deleteCode);
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Equal(HttpStatusCode.OK, stillCode);
        Assert.NotNull(still["metadata"]!["deletionTimestamp"]);
        Assert.Equal((HttpStatusCode)422, addCode);
        Assert.Equal(HttpStatusCode.OK, removeCode);
        Assert.Equal(HttpStatusCode.NotFound, goneCode);
    }

    [Fact]
    public async Task Delete_Owner_Background_CollectsDependents()
    {
        var owner = await _http.CreateAsync(Widgets, SimHttp.Widget("owner"));
        await _http.CreateAsync(ConfigMaps, ConfigMap("child", owners: OwnedBy(owner)));
        await _http.CreateAsync(ConfigMaps, ConfigMap("unrelated"));

        var (code, _) = await _http.DeleteAsync($"{Widgets}/owner", JsonNode.Parse("""{"propagationPolicy":"Background"}"""));

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{ConfigMaps}/child")).Code);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"{ConfigMaps}/unrelated")).Code);
    }

    [Fact]
    public async Task Delete_Owner_Orphan_KeepsDependentsWithoutTheOwnerReference()
    {
        var owner = await _http.CreateAsync(Widgets, SimHttp.Widget("owner"));
        await _http.CreateAsync(ConfigMaps, ConfigMap("child", owners: OwnedBy(owner)));

        await _http.DeleteAsync($"{Widgets}/owner", JsonNode.Parse("""{"propagationPolicy":"Orphan"}"""));

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{Widgets}/owner")).Code);
        var (code, child) = await _http.GetAsync($"{ConfigMaps}/child");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Null(child["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task Delete_Owner_Foreground_WaitsForDependentsFinalizers()
    {
        var owner = await _http.CreateAsync(Widgets, SimHttp.Widget("owner"));
        await _http.CreateAsync(ConfigMaps, ConfigMap("child", owners: OwnedBy(owner), finalizers: new JsonArray("ferry.io/hold")));

        await _http.DeleteAsync($"{Widgets}/owner", JsonNode.Parse("""{"propagationPolicy":"Foreground"}"""));
        var (ownerCode, ownerNow) = await _http.GetAsync($"{Widgets}/owner");
        var (_, childNow) = await _http.GetAsync($"{ConfigMaps}/child");
        await _http.MergePatchAsync($"{ConfigMaps}/child", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);

        Assert.Equal(HttpStatusCode.OK, ownerCode);
        Assert.Contains("foregroundDeletion", ownerNow["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.NotNull(childNow["metadata"]!["deletionTimestamp"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{ConfigMaps}/child")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{Widgets}/owner")).Code);
    }

    [Fact]
    public async Task Delete_Anything_LeavesObjectsWhoseOwnerNeverExisted()
    {
        var phantom = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "ghost", ["uid"] = Guid.NewGuid().ToString() });
        await _http.CreateAsync(ConfigMaps, ConfigMap("orphan-by-design", owners: phantom));
        await _http.CreateAsync(ConfigMaps, ConfigMap("victim"));

        await _http.DeleteAsync($"{ConfigMaps}/victim");

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"{ConfigMaps}/orphan-by-design")).Code);
    }

    [Fact]
    public async Task CreateFromYaml_MultiDocumentManifest_CreatesEachObject()
    {
        var created = _sim.Store.CreateFromYaml("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: seeded
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: seeded
            data:
              mode: fast
            ---
            apiVersion: test.ferry.io/v1alpha1
            kind: Widget
            metadata:
              name: seeded-widget
            spec:
              source: {volume: {claimName: pvc}}
            """);

        Assert.Equal(3, created.Count);
        Assert.Equal("fast", (await _http.GetAsync("/api/v1/namespaces/seeded/configmaps/settings")).Body["data"]!["mode"]!.GetValue<string>());
        Assert.Equal(3, (await _http.GetAsync($"{Widgets}/seeded-widget")).Body["spec"]!["size"]!.GetValue<int>());
    }

    [Fact]
    public async Task Delete_Job_DefaultsToOrphaningItsPods()
    {
        var job = await _http.CreateAsync("/apis/batch/v1/namespaces/default/jobs", new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = "j" },
            ["spec"] = new JsonObject { ["template"] = new JsonObject() },
        });
        await _http.CreateAsync("/api/v1/namespaces/default/pods", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "j-pod", ["ownerReferences"] = OwnedBy(job) },
        });

        await _http.DeleteAsync("/apis/batch/v1/namespaces/default/jobs/j");

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/api/v1/namespaces/default/pods/j-pod")).Code);
    }

    [Fact]
    public async Task Delete_Precondition_WrongUid_IsConflict()
    {
        await _http.CreateAsync(ConfigMaps, ConfigMap("pre"));

        var (code, _) = await _http.DeleteAsync($"{ConfigMaps}/pre", JsonNode.Parse("""{"preconditions":{"uid":"not-it"}}"""));

        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task Delete_Namespace_RemovesItsObjects()
    {
        await _http.CreateAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "scratch" } });
        await _http.CreateAsync("/api/v1/namespaces/scratch/configmaps", ConfigMap("c"));

        await _http.DeleteAsync("/api/v1/namespaces/scratch");

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/namespaces/scratch/configmaps/c")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/namespaces/scratch")).Code);
    }

    [Fact]
    public async Task Delete_DefaultNamespace_IsForbidden_AndATerminatingNamespaceTakesNoNewObjects()
    {
        await _http.CreateAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "closing" } });
        await _http.CreateAsync("/api/v1/namespaces/closing/configmaps", ConfigMap("held", finalizers: new JsonArray("ferry.io/hold")));

        var (defaultCode, _) = await _http.DeleteAsync("/api/v1/namespaces/default");
        await _http.DeleteAsync("/api/v1/namespaces/closing");
        var (_, terminating) = await _http.GetAsync("/api/v1/namespaces/closing");
        var (createCode, _) = await _http.PostAsync("/api/v1/namespaces/closing/configmaps", ConfigMap("late"));
        await _http.MergePatchAsync("/api/v1/namespaces/closing/configmaps/held", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);

        Assert.Equal(HttpStatusCode.Forbidden, defaultCode);
        Assert.Equal("Terminating", terminating["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, createCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/api/v1/namespaces/closing")).Code);
    }

    [Fact]
    public async Task Delete_CustomResourceDefinition_StopsServingAndRemovesObjects()
    {
        await _http.CreateAsync(Widgets, SimHttp.Widget("w"));

        await _http.DeleteAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.ferry.io");

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Widgets)).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/apis/test.ferry.io/v1alpha1")).Code);
    }

    [Theory]
    [InlineData("app=web", new[] { "a" })]
    [InlineData("app==web", new[] { "a" })]
    [InlineData("app!=web", new[] { "b", "c" })]
    [InlineData("app in (web,db)", new[] { "a", "b" })]
    [InlineData("app notin (web)", new[] { "b", "c" })]
    [InlineData("app", new[] { "a", "b" })]
    [InlineData("!app", new[] { "c" })]
    [InlineData("app,tier=front", new[] { "a" })]
    public async Task List_LabelSelector_SelectsMatchingObjects(string selector, string[] expected)
    {
        await _http.CreateAsync(ConfigMaps, ConfigMap("a", new JsonObject { ["app"] = "web", ["tier"] = "front" }));
        await _http.CreateAsync(ConfigMaps, ConfigMap("b", new JsonObject { ["app"] = "db" }));
        await _http.CreateAsync(ConfigMaps, ConfigMap("c"));

        var (code, list) = await _http.GetAsync($"{ConfigMaps}?labelSelector={Uri.EscapeDataString(selector)}");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("ConfigMapList", list["kind"]!.GetValue<string>());
        Assert.Equal(expected, list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task List_FieldSelectorOnName_SelectsOne()
    {
        await _http.CreateAsync(ConfigMaps, ConfigMap("a"));
        await _http.CreateAsync(ConfigMaps, ConfigMap("b"));

        var (_, list) = await _http.GetAsync($"{ConfigMaps}?fieldSelector=metadata.name%3Db");

        Assert.Equal(["b"], list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task List_LimitAndContinue_PagesThroughAll_AndTooOldTokenIsGone()
    {
        foreach (var n in new[] { "a", "b", "c", "d", "e" })
        {
            await _http.CreateAsync(ConfigMaps, ConfigMap(n));
        }

        var names = new List<string>();
        string? token = null;
        string? firstToken = null;
        var pages = 0;
        do
        {
            var (_, page) = await _http.GetAsync($"{ConfigMaps}?limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}"));
            names.AddRange(page["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            firstToken ??= token;
            pages++;
        }
        while (token is not null);

        await _http.CreateAsync(ConfigMaps, ConfigMap("f"));
        _sim.Store.Compact();
        var (goneCode, gone) = await _http.GetAsync($"{ConfigMaps}?limit=2&continue={Uri.EscapeDataString(firstToken!)}");

        Assert.Equal(["a", "b", "c", "d", "e"], names);
        Assert.Equal(3, pages);
        Assert.Equal(HttpStatusCode.Gone, goneCode);
        Assert.Equal("Expired", gone["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_AllNamespaces_IncludesEveryNamespace()
    {
        await _http.CreateAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "other" } });
        await _http.CreateAsync(ConfigMaps, ConfigMap("here"));
        await _http.CreateAsync("/api/v1/namespaces/other/configmaps", ConfigMap("there"));

        var (_, list) = await _http.GetAsync("/api/v1/configmaps");

        Assert.Equal(2, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Create_UnknownField_StrictRefuses_WarnPrunesWithWarning_IgnorePrunes()
    {
        JsonObject WithTypo(string name)
        {
            var w = SimHttp.Widget(name);
            w["spec"]!["sizee"] = 3;
            return w;
        }

        var (strictCode, strict) = await _http.PostAsync($"{Widgets}?fieldValidation=Strict", WithTypo("strict"));
        using var warnRequest = new HttpRequestMessage(HttpMethod.Post, $"{Widgets.TrimStart('/')}?fieldValidation=Warn")
        {
            Content = new StringContent(WithTypo("warn").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var warn = await _http.Client.SendAsync(warnRequest);
        var (ignoreCode, ignored) = await _http.PostAsync($"{Widgets}?fieldValidation=Ignore", WithTypo("ignore"));

        Assert.Equal(HttpStatusCode.BadRequest, strictCode);
        Assert.Contains("unknown field \"spec.sizee\"", strict["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, warn.StatusCode);
        Assert.Contains(warn.Headers.GetValues("Warning"), w => w.Contains("spec.sizee", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, ignoreCode);
        Assert.Null(ignored["spec"]!["sizee"]);
    }

    [Fact]
    public async Task Write_DuplicateField_StrictRefusesWithThePath_WarnKeepsTheLastWithAWarning_PatchIs422()
    {
        const string body = """
            {"apiVersion": "test.ferry.io/v1alpha1", "kind": "Widget", "metadata": {"name": "NAME"},
             "spec": {"size": 2, "source": {"s3": {"bucket": "b"}}, "size": 3}}
            """;
        async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string json, string contentType = "application/json")
        {
            using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = new StringContent(json, System.Text.Encoding.UTF8, contentType) };
            return await _http.Client.SendAsync(request);
        }

        using var strict = await SendAsync(HttpMethod.Post, $"{Widgets}?fieldValidation=Strict", body.Replace("NAME", "strict", StringComparison.Ordinal));
        using var warn = await SendAsync(HttpMethod.Post, $"{Widgets}?fieldValidation=Warn", body.Replace("NAME", "warn", StringComparison.Ordinal));
        using var patch = await SendAsync(HttpMethod.Patch, $"{Widgets}/warn?fieldValidation=Strict", """{"spec": {"size": 4, "size": 5}}""", "application/merge-patch+json");
        var (_, stored) = await _http.GetAsync($"{Widgets}/warn");

        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Equal("Widget in version \"v1alpha1\" cannot be handled as a Widget: strict decoding error: duplicate field \"spec.size\"",
            JsonNode.Parse(await strict.Content.ReadAsStringAsync())!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, warn.StatusCode);
        Assert.Contains(warn.Headers.GetValues("Warning"), w => w.Contains("duplicate field \\\"spec.size\\\"", StringComparison.Ordinal));
        Assert.Equal(3, stored["spec"]!["size"]!.GetValue<int>());
        Assert.Equal((HttpStatusCode)422, patch.StatusCode);
        Assert.Contains("duplicate field", await patch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{Widgets}/strict")).Code);
    }

    [Fact]
    public async Task Secret_StringData_IsFoldedIntoData_AndTypeDefaultsToOpaque()
    {
        var secrets = "/api/v1/namespaces/default/secrets";
        await _http.CreateAsync(secrets, JsonNode.Parse("""{"metadata":{"name":"s"},"stringData":{"password":"pw"}}""")!);

        var (_, patched) = await _http.MergePatchAsync($"{secrets}/s", JsonNode.Parse("""{"stringData":{"user":"u"}}""")!);

        Assert.Equal("Opaque", patched["type"]!.GetValue<string>());
        Assert.Null(patched["stringData"]);
        Assert.Equal(Convert.ToBase64String("pw"u8.ToArray()), patched["data"]!["password"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String("u"u8.ToArray()), patched["data"]!["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_DryRun_ReturnsObjectButStoresNothing()
    {
        var before = _sim.Store.ResourceVersion;

        var (code, body) = await _http.PostAsync($"{Widgets}?dryRun=All", SimHttp.Widget("dry"));

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("Careful", body["spec"]!["mode"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{Widgets}/dry")).Code);
        Assert.Equal(before, _sim.Store.ResourceVersion);
    }

    [Fact]
    public async Task Create_PodAndJob_AreHandedToTheKubelet_ThatSetsStatus()
    {
        var kubelet = new RecordingKubelet();
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { Kubelet = kubelet });
        using var http = new SimHttp(sim);

        await http.CreateAsync("/api/v1/namespaces/default/pods", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "p" } });
        await http.CreateAsync("/apis/batch/v1/namespaces/default/jobs", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "j" } });
        await http.CreateAsync(ConfigMaps, ConfigMap("not-for-kubelet"));
        var (_, pod) = await http.GetAsync("/api/v1/namespaces/default/pods/p");

        Assert.Equal(["pods/p", "jobs/j"], kubelet.Created);
        Assert.Equal("Running", pod["status"]!["phase"]!.GetValue<string>());
    }

    private sealed class RecordingKubelet : Ferry.ClusterSim.Kubelet.IKubelet
    {
        public List<string> Created { get; } = [];

        public void OnCreated(Ferry.ClusterSim.Storage.ClusterStore store, Ferry.ClusterSim.Resources.ResourceType type, JsonObject obj)
        {
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            Created.Add($"{type.Plural}/{name}");
            if (type.Plural == "pods")
            {
                store.SetStatus("", "pods", "default", name, new JsonObject { ["phase"] = "Running" });
            }
        }

        public void OnDeleted(Ferry.ClusterSim.Storage.ClusterStore store, Ferry.ClusterSim.Resources.ResourceType type, JsonObject obj)
        {
        }
    }

    [Fact]
    public async Task Replace_ConcurrentReadModifyWriteWithRetry_LosesNoUpdate()
    {
        await _http.CreateAsync(ConfigMaps, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "counter" }, ["data"] = new JsonObject { ["n"] = "0" } });
        const int writers = 4;
        const int increments = 25;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < increments; i++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < 1000, "an increment never got through");
                    var (_, current) = await _http.GetAsync($"{ConfigMaps}/counter");
                    current["data"]!["n"] = (int.Parse(current["data"]!["n"]!.GetValue<string>()) + 1).ToString();
                    var (code, _) = await _http.PutAsync($"{ConfigMaps}/counter", current);
                    if (code == HttpStatusCode.OK)
                    {
                        break;
                    }

                    Assert.Equal(HttpStatusCode.Conflict, code);
                }
            }
        })));

        var (_, final) = await _http.GetAsync($"{ConfigMaps}/counter");
        Assert.Equal((writers * increments).ToString(), final["data"]!["n"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Watch_ReplayedEvents_ReconstructTheListedState(int seed)
    {
        var random = new Random(seed);
        var start = _sim.Store.ResourceVersion;
        await using var watch = await WatchStream.OpenAsync(_http.Client, $"{ConfigMaps}?watch=true&resourceVersion={start}");
        long lastRv = start;
        for (var i = 0; i < 150; i++)
        {
            var name = $"cm-{random.Next(8)}";
            (HttpStatusCode Code, JsonObject Body) r = random.Next(4) switch
            {
                0 => await _http.PostAsync(ConfigMaps, ConfigMap(name, new JsonObject { ["v"] = random.Next(3).ToString() })),
                1 => await _http.DeleteAsync($"{ConfigMaps}/{name}"),
                2 => await _http.MergePatchAsync($"{ConfigMaps}/{name}", new JsonObject { ["data"] = new JsonObject { ["k"] = random.Next(100).ToString() } }),
                _ => await _http.MergePatchAsync($"{ConfigMaps}/{name}", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["v"] = random.Next(3).ToString() } } }),
            };
            if (r.Code is HttpStatusCode.OK or HttpStatusCode.Created)
            {
                lastRv = Math.Max(lastRv, long.Parse(Rv(r.Body)));
            }
        }

        var replayed = new Dictionary<string, JsonObject>();
        long previous = start;
        while (previous < lastRv)
        {
            var e = (await watch.NextAsync())!;
            var obj = e["object"]!.AsObject();
            var rv = long.Parse(Rv(obj));
            Assert.True(rv > previous, $"resourceVersion {rv} after {previous}");
            previous = rv;
            var name = obj["metadata"]!["name"]!.GetValue<string>();
            if (e["type"]!.GetValue<string>() == "DELETED")
            {
                Assert.True(replayed.Remove(name), $"DELETED for unknown {name}");
            }
            else
            {
                replayed[name] = obj;
            }
        }

        var (_, list) = await _http.GetAsync(ConfigMaps);
        var listed = list["items"]!.AsArray().Select(i => i!.AsObject()).ToDictionary(i => i["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(listed.Keys.Order(), replayed.Keys.Order());
        foreach (var (name, obj) in listed)
        {
            Assert.True(JsonNode.DeepEquals(obj, replayed[name]), $"{name}: listed {obj.ToJsonString()} replayed {replayed[name].ToJsonString()}");
        }
    }

    [Fact]
    public void SetStatus_FromCode_IsVisibleAndKeepsSpec()
    {
        var type = _sim.Store.Type("batch", "jobs");
        _sim.Store.Create(type, "v1", "default", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "k" }, ["spec"] = new JsonObject { ["parallelism"] = 1 } });

        var updated = _sim.Store.SetStatus("batch", "jobs", "default", "k", new JsonObject { ["succeeded"] = 1 });

        Assert.Equal(1, updated["status"]!["succeeded"]!.GetValue<int>());
        Assert.Equal(1, updated["spec"]!["parallelism"]!.GetValue<int>());
        Assert.Equal(1, Generation(updated));
    }
}
