using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;

namespace Ferry.Kube.Tests.Simulator.FieldManagement;

/// <summary>Server-side apply ownership over HTTP: <c>managedFields</c> per manager for updates and applies, conflicts
/// worded as the API server's, <c>force</c>, removal of dropped fields, map lists by key, and the status subresource.</summary>
public sealed class FieldManagerTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private const string Apply = "application/apply-patch+yaml";

    private ClusterSimulator _sim = null!;
    private SimHttp _http = null!;

    public async Task InitializeAsync()
    {
        (_sim, _http) = await SimHttp.StartWithWidgetsAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private static JsonObject ConfigMap(string name, JsonObject? data, JsonObject? labels = null)
    {
        var cm = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = labels is null ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["labels"] = labels },
        };
        if (data is not null)
        {
            cm["data"] = data;
        }

        return cm;
    }

    private Task<(HttpStatusCode Code, JsonObject Body)> ApplyAsync(string path, JsonObject config, string manager, bool force = false) =>
        _http.SendAsync(HttpMethod.Patch, $"{path}?fieldManager={manager}{(force ? "&force=true" : "")}", config, Apply);

    private static JsonObject Entry(JsonObject obj, string manager, string operation) =>
        Assert.Single(obj["metadata"]!["managedFields"]!.AsArray(), e => (string?)e!["manager"] == manager && (string?)e["operation"] == operation)!.AsObject();

    private static string Fields(JsonObject obj, string manager, string operation) => Entry(obj, manager, operation)["fieldsV1"]!.ToJsonString();

    private static IEnumerable<string> Managers(JsonObject obj) =>
        (obj["metadata"]!["managedFields"] as JsonArray ?? []).Select(e => $"{e!["manager"]}/{e["operation"]}");

    [Fact]
    public async Task Create_RecordsAnUpdateEntryOwningEverythingTheRequestSet()
    {
        var (code, created) = await _http.SendAsync(HttpMethod.Post, $"{ConfigMaps}?fieldManager=kubectl-create", ConfigMap("c", new JsonObject { ["a"] = "1" }, new JsonObject { ["app"] = "x" }));

        Assert.Equal(HttpStatusCode.Created, code);
        var entry = Assert.Single(created["metadata"]!["managedFields"]!.AsArray())!;
        Assert.Equal(("kubectl-create", "Update", "v1", "FieldsV1"), ((string?)entry["manager"], (string?)entry["operation"], (string?)entry["apiVersion"], (string?)entry["fieldsType"]));
        Assert.NotNull((string?)entry["time"]);
        Assert.Equal("""{"f:data":{".":{},"f:a":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}""", entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public async Task Create_WithoutFieldManager_TheUserAgentUpToItsFirstSlashIsTheManager()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ConfigMaps.TrimStart('/')) { Content = new StringContent(ConfigMap("ua", new JsonObject { ["a"] = "1" }).ToJsonString()) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.UserAgent.ParseAdd("ferry-operator/0.1");
        using var response = await _http.Client.SendAsync(request);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

        Assert.Equal(["ferry-operator/Update"], Managers(created));
    }

    [Fact]
    public async Task Update_ByAnotherManager_TakesTheFieldsItChangedAndLeavesTheRest()
    {
        await _http.SendAsync(HttpMethod.Post, $"{ConfigMaps}?fieldManager=creator", ConfigMap("u", new JsonObject { ["a"] = "1", ["b"] = "1" }));

        var (_, patched) = await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/u?fieldManager=editor", JsonNode.Parse("""{"data":{"a":"2","c":"3"}}"""), "application/merge-patch+json");

        Assert.Equal("""{"f:data":{".":{},"f:b":{}}}""", Fields(patched, "creator", "Update"));
        Assert.Equal("""{"f:data":{"f:a":{},"f:c":{}}}""", Fields(patched, "editor", "Update"));
    }

    [Fact]
    public async Task Apply_ChangingAFieldAnUpdaterOwns_Is409NamingTheManagerAndTheFieldAndChangesNothing()
    {
        var created = await _http.CreateAsync($"{ConfigMaps}?fieldManager=kubectl-create", ConfigMap("cm", new JsonObject { ["mode"] = "fast" }));

        var (code, status) = await ApplyAsync($"{ConfigMaps}/cm", ConfigMap("cm", new JsonObject { ["mode"] = "slow" }), "kubectl");
        var (_, after) = await _http.GetAsync($"{ConfigMaps}/cm");

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Equal("""Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.mode""", (string?)status["message"]);
        var cause = Assert.Single(status["details"]!["causes"]!.AsArray())!;
        Assert.Equal(("FieldManagerConflict", "conflict with \"kubectl-create\" using v1", ".data.mode"), ((string?)cause["reason"], (string?)cause["message"], (string?)cause["field"]));
        Assert.Equal("fast", (string?)after["data"]!["mode"]);
        Assert.Equal((string?)created["metadata"]!["resourceVersion"], (string?)after["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Apply_Forced_TakesTheFieldFromTheOtherManager()
    {
        await _http.CreateAsync($"{ConfigMaps}?fieldManager=kubectl-create", ConfigMap("cm", new JsonObject { ["mode"] = "fast", ["keep"] = "1" }));

        var (code, applied) = await ApplyAsync($"{ConfigMaps}/cm", ConfigMap("cm", new JsonObject { ["mode"] = "slow" }), "kubectl", force: true);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(("slow", "1"), ((string?)applied["data"]!["mode"], (string?)applied["data"]!["keep"]));
        Assert.Equal("""{"f:data":{"f:mode":{}}}""", Fields(applied, "kubectl", "Apply"));
        Assert.Equal("""{"f:data":{".":{},"f:keep":{}}}""", Fields(applied, "kubectl-create", "Update"));
    }

    [Fact]
    public async Task Apply_TheSameValue_CoOwnsTheFieldWithoutConflict()
    {
        await _http.CreateAsync($"{ConfigMaps}?fieldManager=kubectl-create", ConfigMap("cm", new JsonObject { ["mode"] = "fast" }));

        var (code, applied) = await ApplyAsync($"{ConfigMaps}/cm", ConfigMap("cm", new JsonObject { ["mode"] = "fast" }), "kubectl");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Contains("f:mode", Fields(applied, "kubectl", "Apply"), StringComparison.Ordinal);
        Assert.Contains("f:mode", Fields(applied, "kubectl-create", "Update"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_TwoAppliers_ConflictWithoutUsingAndSeveralConflictsListedPerManager()
    {
        await ApplyAsync($"{ConfigMaps}/two", ConfigMap("two", new JsonObject { ["a"] = "1", ["b"] = "1" }), "first");
        await ApplyAsync($"{ConfigMaps}/two", ConfigMap("two", new JsonObject { ["c"] = "1" }), "second");
        await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/two?fieldManager=editor", JsonNode.Parse("""{"data":{"d":"1"}}"""), "application/merge-patch+json");

        var (one, single) = await ApplyAsync($"{ConfigMaps}/two", ConfigMap("two", new JsonObject { ["a"] = "2" }), "third");
        var (many, several) = await ApplyAsync($"{ConfigMaps}/two", ConfigMap("two", new JsonObject { ["a"] = "2", ["b"] = "2", ["c"] = "2", ["d"] = "2" }), "third");

        Assert.Equal(HttpStatusCode.Conflict, one);
        Assert.Equal("""Apply failed with 1 conflict: conflict with "first": .data.a""", (string?)single["message"]);
        Assert.Equal(HttpStatusCode.Conflict, many);
        Assert.Equal("Apply failed with 4 conflicts: conflicts with \"editor\" using v1:\n- .data.d\nconflicts with \"first\":\n- .data.a\n- .data.b\nconflicts with \"second\":\n- .data.c",
            (string?)several["message"]);
        Assert.Equal(4, several["details"]!["causes"]!.AsArray().Count);
    }

    [Fact]
    public async Task Apply_AFieldDroppedFromTheConfiguration_IsRemovedUnlessAnotherManagerOwnsIt()
    {
        await ApplyAsync($"{ConfigMaps}/drop", ConfigMap("drop", new JsonObject { ["mine"] = "1", ["shared"] = "1" }, new JsonObject { ["team"] = "a", ["tier"] = "x" }), "owner");
        await ApplyAsync($"{ConfigMaps}/drop", ConfigMap("drop", new JsonObject { ["shared"] = "1" }), "other");

        var (code, applied) = await ApplyAsync($"{ConfigMaps}/drop", ConfigMap("drop", null, new JsonObject { ["team"] = "a" }), "owner");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("""{"shared":"1"}""", applied["data"]!.ToJsonString());
        Assert.Equal("""{"team":"a"}""", applied["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("""{"f:metadata":{"f:labels":{"f:team":{}}}}""", Fields(applied, "owner", "Apply"));
    }

    [Fact]
    public async Task Apply_MapListItemsByKey_AConflictOnOneContainersImageNamesTheItem()
    {
        JsonObject Deployment(string image) => JsonNode.Parse($$$$$"""
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "app", "image": "{{{{{image}}}}}", "ports": [{"containerPort": 8080}]},
                                                           {"name": "sidecar", "image": "proxy:1"}]}}}}
            """)!.AsObject();
        var (created, applied) = await ApplyAsync($"{Deployments}/web", Deployment("app:1"), "helm");
        Assert.Equal(HttpStatusCode.OK, created);
        var containers = Entry(applied, "helm", "Apply")["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!.AsObject();
        Assert.Equal(["k:{\"name\":\"app\"}", "k:{\"name\":\"sidecar\"}"], containers.Select(c => c.Key).Order(StringComparer.Ordinal));
        var app = containers["k:{\"name\":\"app\"}"]!.AsObject();
        Assert.Equal([".", "f:image", "f:name", "f:ports"], app.Select(f => f.Key));
        Assert.Equal(["k:{\"containerPort\":8080,\"protocol\":\"TCP\"}"], app["f:ports"]!.AsObject().Select(p => p.Key)); // the defaulted key field included

        var edit = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}}""");
        var (_, edited) = await _http.SendAsync(HttpMethod.Patch, $"{Deployments}/web?fieldManager=kubectl-edit", edit, "application/strategic-merge-patch+json");
        Assert.Equal("proxy:1", (string?)edited["spec"]!["template"]!["spec"]!["containers"]![1]!["image"]);

        var (code, status) = await ApplyAsync($"{Deployments}/web", Deployment("app:1"), "helm");
        var (unchanged, again) = await ApplyAsync($"{Deployments}/web", Deployment("app:2"), "helm");

        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("""Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="app"].image""", (string?)status["message"]);
        Assert.Equal(HttpStatusCode.OK, unchanged); // the edited value applied again: co-owned, no conflict
        Assert.Equal(2, again["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Count);
    }

    [Fact]
    public async Task StatusWrites_AreEntriesOfTheStatusSubresourceAndNeverConflictWithAnApplyOfTheSpec()
    {
        var widget = SimHttp.Widget("w");
        await ApplyAsync($"{SimHttp.Widgets}/w", widget, "applier");
        var (_, current) = await _http.GetAsync($"{SimHttp.Widgets}/w");
        current["status"] = new JsonObject { ["phase"] = "Ready" };
        await _http.SendAsync(HttpMethod.Put, $"{SimHttp.Widgets}/w/status?fieldManager=controller", current);

        widget["spec"]!["size"] = 7;
        var (code, applied) = await ApplyAsync($"{SimHttp.Widgets}/w", widget, "applier");

        Assert.Equal(HttpStatusCode.OK, code);
        var status = Entry(applied, "controller", "Update");
        Assert.Equal("status", (string?)status["subresource"]);
        Assert.Equal("""{"f:status":{".":{},"f:phase":{}}}""", status["fieldsV1"]!.ToJsonString());
        Assert.DoesNotContain("f:status", Fields(applied, "applier", "Apply"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NothingChanged_KeepsTheResourceVersion()
    {
        var config = ConfigMap("same", new JsonObject { ["a"] = "1" });
        var (_, first) = await ApplyAsync($"{ConfigMaps}/same", config, "kubectl");
        var (_, second) = await ApplyAsync($"{ConfigMaps}/same", config, "kubectl");

        Assert.Equal((string?)first["metadata"]!["resourceVersion"], (string?)second["metadata"]!["resourceVersion"]);
        Assert.Equal(first["metadata"]!["managedFields"]!.ToJsonString(), second["metadata"]!["managedFields"]!.ToJsonString());
    }

    [Fact]
    public async Task ManagedFields_ReplacedByOneEmptyEntry_AreStripped()
    {
        await _http.CreateAsync($"{ConfigMaps}?fieldManager=creator", ConfigMap("reset", new JsonObject { ["a"] = "1" }));

        var (code, reset) = await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/reset", JsonNode.Parse("""[{"op":"replace","path":"/metadata/managedFields","value":[{}]}]"""), "application/json-patch+json");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Null(reset["metadata"]!["managedFields"]);
    }

    [Fact]
    public async Task Force_OnANonApplyPatch_IsInvalid()
    {
        await _http.CreateAsync(ConfigMaps, ConfigMap("f", new JsonObject { ["a"] = "1" }));

        var (code, status) = await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/f?force=true", JsonNode.Parse("""{"data":{"a":"2"}}"""), "application/merge-patch+json");

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("force: Forbidden: may not be specified for non-apply patch", (string?)status["message"], StringComparison.Ordinal);
    }
}
