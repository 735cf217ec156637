using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.Auth;
using Ferry.ClusterSim.OpenApi;
using Ferry.ClusterSim.Patching;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Selectors;
using Ferry.ClusterSim.Storage;
using Microsoft.AspNetCore.Http;

namespace Ferry.ClusterSim.Http;

/// <summary>Serves the Kubernetes REST API over <see cref="ClusterStore"/>: discovery, the resource paths
/// (<c>/api/v1/...</c>, <c>/apis/GROUP/VERSION/...</c>, <c>namespaces/NS/...</c>, <c>/status</c>, <c>/watch/</c>),
/// Table output, watch streams, and fault injection.</summary>
internal sealed class ApiHandler(ClusterStore store, SimulatorOptions options, ClusterAuth auth, Func<string> serverAddress, string adminToken)
{
    private const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private sealed record Route(ResourceType Type, string Version, string? Namespace, string? Name, string? Subresource, bool Watch);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var ct = context.RequestAborted;
        try
        {
            var faults = options.Faults;
            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, options.TimeProvider, ct);
            }

            var user = auth.Authenticate(request, adminToken);
            var path = (request.Path.Value ?? "/").TrimEnd('/');
            var route = Parse(path);
            var watch = route is not null && (route.Watch || IsTrue(request.Query["watch"]));
            auth.Require(user, Attributes(request, route, path, watch));
            if (route is null && await TryDiscoveryAsync(context, path))
            {
                return;
            }

            if (route is null)
            {
                throw new StatusException(404, "NotFound", "the server could not find the requested resource");
            }

            if (route.Type.IsReview || route.Subresource == "token")
            {
                await ReviewAsync(context, route, user);
                return;
            }

            if (!watch && faults.Roll(faults.ServerErrorRate))
            {
                throw new StatusException(500, "InternalError", "Internal error occurred: injected fault");
            }

            switch (request.Method)
            {
                case "GET" when route.Subresource == "log" && route.Name is not null:
                    {
                        store.Get(route.Type, route.Namespace, route.Name);
                        var log = options.Kubelet is Kubelet.ProcessKubelet kubelet ? kubelet.ReadLog(route.Name, route.Namespace ?? "default") : "";
                        context.Response.StatusCode = 200;
                        context.Response.ContentType = "text/plain";
                        await context.Response.WriteAsync(log, ct);
                        break;
                    }

                case not "GET" when route.Subresource == "log":
                    throw new StatusException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
                case "GET" when watch:
                    await WatchAsync(context, route);
                    break;
                case "GET" when route.Name is null:
                    await ListAsync(context, route);
                    break;
                case "GET":
                    await WriteObjectAsync(context, 200, route, store.Get(route.Type, route.Namespace, route.Name));
                    break;
                case "POST" when route.Name is null:
                    {
                        var writeOptions = ReadWriteOptions(request);
                        var body = await ReadObjectAsync(request, writeOptions, ct);
                        var created = store.Create(route.Type, route.Version, route.Namespace, body, writeOptions);
                        AddWarnings(context, writeOptions);
                        await WriteObjectAsync(context, 201, route, created);
                        break;
                    }

                case "PUT" when route.Name is not null:
                    {
                        InjectConflict(route);
                        var writeOptions = ReadWriteOptions(request);
                        var body = await ReadObjectAsync(request, writeOptions, ct);
                        var updated = store.Replace(route.Type, route.Namespace, route.Name, body, route.Subresource == "status", writeOptions);
                        AddWarnings(context, writeOptions);
                        await WriteObjectAsync(context, 200, route, updated);
                        break;
                    }

                case "PATCH" when route.Name is not null:
                    InjectConflict(route);
                    await PatchAsync(context, route);
                    break;
                case "DELETE" when route.Name is not null && route.Subresource is null:
                    {
                        var deleteOptions = await ReadDeleteOptionsAsync(request, ct);
                        var (obj, removed) = store.Delete(route.Type, route.Namespace, route.Name, deleteOptions);
                        await WriteObjectAsync(context, removed || deleteOptions.DryRun ? 200 : 202, route, obj);
                        break;
                    }

                case "DELETE" when route.Name is null:
                    {
                        var deleteOptions = await ReadDeleteOptionsAsync(request, ct);
                        var items = store.DeleteCollection(route.Type, route.Namespace, ReadListOptions(request), deleteOptions);
                        await WriteAsync(context, 200, ListDocument(route, items, store.ResourceVersion, null, null));
                        break;
                    }

                default:
                    throw StatusException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            }
        }
        catch (StatusException e)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, e.Code, e.ToStatus());
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (context.Response.HasStarted)
        {
            // Mid-stream: nothing can be reported to the client any more; the connection is cut.
            Console.Error.WriteLine($"clustersim: {request.Method} {request.Path}{request.QueryString} failed mid-response: {e}");
            context.Abort();
        }
        catch (Exception e)
        {
            // A simulator bug: answer like the API server's panic handler, with the cause for the test log.
            await WriteAsync(context, 500, Status.Failure(500, "InternalError", $"Internal error occurred: {e.GetType().Name}: {e.Message}"));
        }
    }

    private void InjectConflict(Route route)
    {
        if (options.Faults.ShouldConflict(route.Type.Plural, route.Type.Group))
        {
            throw StatusException.Conflict(route.Type, route.Name!);
        }
    }

    /// <summary>The authorizer's view of a request: resource requests by API verb (a list or watch narrowed to one
    /// name by <c>fieldSelector=metadata.name=NAME</c> carries that name, as the API server's request info does),
    /// anything else by path and lower-case method.</summary>
    private static RequestAttributes Attributes(HttpRequest request, Route? route, string path, bool watch)
    {
        if (route is null)
        {
            return new RequestAttributes(request.Method.ToLowerInvariant(), "", null, null, null, null, path.Length == 0 ? "/" : path);
        }

        var name = route.Name;
        if (name is null && request.Method == "GET" && request.Query["fieldSelector"].ToString() is { Length: > 0 } selector)
        {
            name = selector.Split(',').Select(s => s.Trim()).Where(s => s.StartsWith("metadata.name=", StringComparison.Ordinal)).Select(s => s["metadata.name=".Length..].TrimStart('=')).FirstOrDefault();
        }

        var verb = request.Method switch
        {
            "GET" when watch => "watch",
            "GET" when route.Name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when route.Name is null => "deletecollection",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        return new RequestAttributes(verb, route.Type.Group, route.Type.Plural, route.Subresource, route.Type.Namespaced ? route.Namespace : null, name, path);
    }

    /// <summary>The create-only APIs that answer rather than store: TokenRequest and the self-subject reviews.</summary>
    private async Task ReviewAsync(HttpContext context, Route route, UserInfo user)
    {
        if (context.Request.Method != "POST" || (route.Type.IsReview && route.Name is not null))
        {
            throw StatusException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await ReadObjectAsync(context.Request, ReadWriteOptions(context.Request), context.RequestAborted);
        var answer = route.Type.Plural switch
        {
            "serviceaccounts" => auth.TokenRequest(route.Namespace ?? "default", route.Name!, body),
            "selfsubjectaccessreviews" => auth.AccessReview(user, body),
            "selfsubjectrulesreviews" => auth.RulesReview(user, body),
            _ => auth.WhoAmI(user, body),
        };
        await WriteAsync(context, 201, answer);
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static bool IsDryRun(HttpRequest request) => request.Query["dryRun"].ToString() == "All";

    private static WriteOptions ReadWriteOptions(HttpRequest request, bool patch = false)
    {
        var validation = request.Query["fieldValidation"].ToString();
        if (validation is not ("" or "Ignore" or "Warn" or "Strict"))
        {
            throw StatusException.BadRequest($"fieldValidation parameter unsupported: {validation}");
        }

        var manager = request.Query["fieldManager"].ToString();
        if (manager.Length > 128)
        {
            throw StatusException.Invalid("PatchOptions", "meta.k8s.io", "", [new FieldError("FieldValueTooLong", "fieldManager", "Too long: may not be more than 128 bytes")]);
        }

        return new WriteOptions(IsDryRun(request), validation.Length == 0 ? "Warn" : validation)
        {
            IsPatch = patch,
            // The API server's default manager: the User-Agent up to its first '/' (e.g. "kubectl", "helm", "ferry").
            FieldManager = manager.Length > 0 ? manager : request.Headers.UserAgent.ToString().Split('/')[0],
            Force = IsTrue(request.Query["force"]),
        };
    }

    private static void AddWarnings(HttpContext context, WriteOptions options)
    {
        foreach (var w in options.Warnings)
        {
            context.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }
    }

    private async Task<bool> TryDiscoveryAsync(HttpContext context, string path)
    {
        JsonObject? doc = path switch
        {
            "" => new JsonObject { ["paths"] = new JsonArray("/api", "/api/v1", "/apis", "/version") },
            "/version" => new JsonObject
            {
                ["major"] = "1",
                ["minor"] = options.KubernetesVersion.TrimStart('v').Split('.').ElementAtOrDefault(1) ?? "32",
                ["gitVersion"] = options.KubernetesVersion,
                ["gitCommit"] = "ferry-clustersim",
                ["gitTreeState"] = "clean",
                ["buildDate"] = "2026-01-01T00:00:00Z",
                ["goVersion"] = "n/a",
                ["compiler"] = "n/a",
                ["platform"] = "linux/amd64",
            },
            "/api" => Discovery.CoreVersions(serverAddress()),
            "/apis" => Discovery.GroupList(store.Registry),
            "/openapi/v3" => OpenApiDocuments.Index(store.Registry),
            "/healthz" or "/livez" or "/readyz" => null,
            _ => null,
        };
        if (path is "/healthz" or "/livez" or "/readyz")
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok", context.RequestAborted);
            return true;
        }

        if (doc is null)
        {
            var s = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            doc = s switch
            {
                ["api", var v] => Discovery.ResourceList(store.Registry, "", v),
                ["apis", var g] => Discovery.GroupDocument(store.Registry, g),
                ["apis", var g, var v] => Discovery.ResourceList(store.Registry, g, v),
                _ => null,
            };
            if (doc is null && s is ["openapi", "v3", .. var gv] && OpenApiDocuments.Document(store.Registry, string.Join('/', gv)) is { } text)
            {
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(text, context.RequestAborted);
                return true;
            }

            if (doc is null && (s is ["api", _] or ["apis", _] or ["apis", _, _] || path.StartsWith("/openapi", StringComparison.Ordinal)))
            {
                throw new StatusException(404, "NotFound", "the server could not find the requested resource");
            }
        }

        if (doc is null)
        {
            return false;
        }

        await WriteAsync(context, 200, doc);
        return true;
    }

    private Route? Parse(string path)
    {
        var s = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        string[] rest;
        if (s.Length >= 3 && s[0] == "api")
        {
            (group, version, rest) = ("", s[1], s[2..]);
        }
        else if (s.Length >= 4 && s[0] == "apis")
        {
            (group, version, rest) = (s[1], s[2], s[3..]);
        }
        else
        {
            return null;
        }

        var watch = false;
        if (rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }

        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && store.Registry.Find(group, version, rest[2]) is { Namespaced: true })
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length is 0 or > 3)
        {
            return null;
        }

        var type = store.Registry.Find(group, version, rest[0]);
        if (type is null)
        {
            return null;
        }

        var sub = rest.ElementAtOrDefault(2);
        if (sub is not null && !(sub == "status" && type.FindVersion(version)!.StatusSubresource)
            && !(sub == "log" && type.Group.Length == 0 && type.Plural == "pods")
            && !(sub == "token" && type.Group.Length == 0 && type.Plural == "serviceaccounts"))
        {
            return null;
        }

        return new Route(type, version, ns, rest.ElementAtOrDefault(1), sub, watch);
    }

    private static ListOptions ReadListOptions(HttpRequest request)
    {
        var limit = int.TryParse(request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 0;
        return new ListOptions(LabelSelector.Parse(request.Query["labelSelector"]), FieldSelector.Parse(request.Query["fieldSelector"]),
            limit, request.Query["continue"].ToString() is { Length: > 0 } c ? c : null);
    }

    private JsonObject Present(Route route, JsonObject obj)
    {
        obj["apiVersion"] = route.Type.ApiVersion(route.Version);
        return obj;
    }

    private static string Accept(HttpRequest request) => request.Headers.Accept.ToString();

    private static bool WantsTable(HttpRequest request) => Accept(request).Contains("as=Table", StringComparison.Ordinal);

    private static bool WantsPartialMetadata(HttpRequest request) =>
        Accept(request).Contains("as=PartialObjectMetadata", StringComparison.Ordinal) && !WantsTable(request);

    private async Task WriteObjectAsync(HttpContext context, int code, Route route, JsonObject obj)
    {
        Present(route, obj);
        if (WantsTable(context.Request) && context.Request.Method == "GET")
        {
            var table = TableConverter.Convert(route.Type, route.Version, [obj], new JsonObject { ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone() },
                context.Request.Query["includeObject"].ToString(), options.TimeProvider.GetUtcNow());
            await WriteAsync(context, code, table, TableContentType);
            return;
        }

        if (WantsPartialMetadata(context.Request))
        {
            obj = PartialMetadata(obj);
        }

        await WriteAsync(context, code, obj);
    }

    private static JsonObject PartialMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    private JsonObject ListDocument(Route route, IEnumerable<JsonObject> items, long rv, string? next, long? remaining)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            meta["continue"] = next;
            meta["remainingItemCount"] = remaining;
        }

        return new JsonObject
        {
            ["kind"] = route.Type.ListKind,
            ["apiVersion"] = route.Type.ApiVersion(route.Version),
            ["metadata"] = meta,
            ["items"] = new JsonArray(items.Select(i => (JsonNode)Present(route, i)).ToArray()),
        };
    }

    private async Task ListAsync(HttpContext context, Route route)
    {
        var request = context.Request;
        var result = store.List(route.Type, route.Namespace, ReadListOptions(request));
        var doc = ListDocument(route, result.Items, result.ResourceVersion, result.Continue, result.RemainingItemCount);
        if (WantsTable(request))
        {
            var table = TableConverter.Convert(route.Type, route.Version, result.Items, doc["metadata"]!.DeepClone().AsObject(),
                request.Query["includeObject"].ToString(), options.TimeProvider.GetUtcNow());
            await WriteAsync(context, 200, table, TableContentType);
            return;
        }

        if (WantsPartialMetadata(request))
        {
            doc["kind"] = "PartialObjectMetadataList";
            doc["apiVersion"] = "meta.k8s.io/v1";
            doc["items"] = new JsonArray(result.Items.Select(i => (JsonNode)PartialMetadata(i)).ToArray());
        }

        await WriteAsync(context, 200, doc);
    }

    private async Task PatchAsync(HttpContext context, Route route)
    {
        var request = context.Request;
        var contentType = (request.ContentType ?? "").Split(';')[0].Trim();
        var text = await ReadTextAsync(request, context.RequestAborted);
        var status = route.Subresource == "status";
        var writeOptions = ReadWriteOptions(request, patch: !contentType.StartsWith("application/apply-patch", StringComparison.Ordinal));
        if (writeOptions.Force && writeOptions.IsPatch)
        {
            throw StatusException.Invalid("PatchOptions", "meta.k8s.io", "", [FieldError.Forbidden("force", "may not be specified for non-apply patch")]);
        }

        JsonObject result;
        switch (contentType)
        {
            case "application/apply-patch+yaml" or "application/apply-patch+json":
                {
                    var fieldManager = request.Query["fieldManager"].ToString();
                    if (fieldManager.Length == 0)
                    {
                        throw StatusException.Invalid("PatchOptions", "meta.k8s.io", "", [new FieldError("FieldValueRequired", "fieldManager", "Required value: is required for apply patch")]);
                    }

                    var config = YamlJson.Parse(text) as JsonObject ?? throw StatusException.BadRequest("the apply patch must be an object");
                    result = store.Apply(route.Type, route.Version, route.Namespace, route.Name!, config, fieldManager, status, writeOptions);
                    break;
                }

            case "application/merge-patch+json":
                {
                    var patch = ParseJson(text, writeOptions.Duplicates);
                    result = store.Patch(route.Type, route.Namespace, route.Name!, current => MergePatch.Apply(current, patch) as JsonObject
                        ?? throw StatusException.BadRequest("the patch must be an object"), status, writeOptions);
                    break;
                }

            case "application/strategic-merge-patch+json":
                {
                    if (route.Type.IsCustom)
                    {
                        throw new StatusException(415, "UnsupportedMediaType",
                            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
                    }

                    var patch = ParseJson(text, writeOptions.Duplicates);
                    result = store.Patch(route.Type, route.Namespace, route.Name!, current => MergePatch.ApplyStrategic(current, patch) as JsonObject
                        ?? throw StatusException.BadRequest("the patch must be an object"), status, writeOptions);
                    break;
                }

            case "application/json-patch+json":
                {
                    var operations = ParseJson(text) as JsonArray ?? throw StatusException.BadRequest("a JSON patch must be an array of operations");
                    result = store.Patch(route.Type, route.Namespace, route.Name!, current => JsonPatch.Apply(current, operations) as JsonObject
                        ?? throw StatusException.BadRequest("the patch must leave an object"), status, writeOptions);
                    break;
                }

            default:
                throw new StatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
        }

        AddWarnings(context, writeOptions);
        await WriteObjectAsync(context, 200, route, result);
    }

    private static JsonNode? ParseJson(string text, List<string>? duplicates = null)
    {
        try
        {
            return duplicates is null ? JsonNode.Parse(text) : StrictJson.Parse(text, duplicates);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw StatusException.BadRequest($"error decoding patch: {e.Message}");
        }
    }

    private static async Task<string> ReadTextAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request, WriteOptions options, CancellationToken ct)
    {
        var contentType = (request.ContentType ?? "application/json").Split(';')[0].Trim();
        if (contentType == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            return ProtobufDecoder.Decode(buffer.ToArray());
        }

        if (contentType is not ("application/json" or "application/yaml" or "application/x-yaml" or "text/yaml" or ""))
        {
            throw new StatusException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
        }

        var text = await ReadTextAsync(request, ct);
        if (contentType is "application/json" or "")
        {
            try
            {
                return StrictJson.Parse(text, options.Duplicates) as JsonObject ?? throw StatusException.BadRequest("the request body must be an object");
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON after all: YAML below.
            }
        }

        return YamlJson.Parse(text) as JsonObject ?? throw StatusException.BadRequest("the request body must be an object");
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpRequest request, CancellationToken ct)
    {
        JsonObject? body;
        if ((request.ContentType ?? "").Split(';')[0].Trim() == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, ct);
            body = buffer.Length == 0 ? null : ProtobufDecoder.Decode(buffer.ToArray());
        }
        else
        {
            var text = await ReadTextAsync(request, ct);
            body = string.IsNullOrWhiteSpace(text) ? null : ParseJson(text) as JsonObject;
        }

        string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var policy = Str(body?["propagationPolicy"]) ?? (request.Query["propagationPolicy"].ToString() is { Length: > 0 } p ? p : null);
        if (policy is null && body?["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o))
        {
            policy = o ? "Orphan" : "Background";
        }

        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            throw StatusException.Invalid("DeleteOptions", "meta.k8s.io", "", [FieldError.NotSupported("propagationPolicy", $"\"{policy}\"", ["Foreground", "Background", "Orphan", "nil"])]);
        }

        var dryRun = IsDryRun(request) || (body?["dryRun"] is JsonArray d && d.Any(x => Str(x) == "All"));
        return new DeleteOptions(policy, Str(body?["preconditions"]?["uid"]), Str(body?["preconditions"]?["resourceVersion"]), dryRun);
    }

    private static async Task WriteAsync(HttpContext context, int code, JsonObject body, string contentType = "application/json")
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private async Task WatchAsync(HttpContext context, Route route)
    {
        var request = context.Request;
        var query = request.Query;
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        if (route.Name is not null)
        {
            fields = FieldSelector.Parse(string.Join(',', new[] { query["fieldSelector"].ToString(), $"metadata.name={route.Name}" }.Where(x => x.Length > 0)));
        }

        var labels = LabelSelector.Parse(query["labelSelector"]);
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var sendInitial = IsTrue(query["sendInitialEvents"]);
        var table = WantsTable(request);
        var includeObject = query["includeObject"].ToString();
        var time = options.TimeProvider;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.MaxWatchTimeout;

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = table ? TableContentType : "application/json";
        response.Headers.CacheControl = "no-cache, private";

        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(route.Type, route.Namespace, labels, fields, query["resourceVersion"], sendInitial);
        }
        catch (StatusException e) when (e.Code == 410)
        {
            await WriteEventAsync(response, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }, context.RequestAborted);
            return;
        }

        using (subscription)
        {
            await response.StartAsync(context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            var start = time.GetUtcNow();
            var end = start + timeout;
            var nextBookmark = start + options.BookmarkInterval;
            using var dropTimer = options.Faults.DropWatchesAfter is { } dropAfter
                ? new CancellationTokenSource(dropAfter, time)
                : new CancellationTokenSource();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, subscription.Dropped, dropTimer.Token);
            try
            {
                while (true)
                {
                    while (subscription.Reader.TryRead(out var e))
                    {
                        if (e.Type == "BOOKMARK" && !bookmarks)
                        {
                            continue;
                        }

                        var obj = e.Object.DeepClone().AsObject();
                        if (e.Type != "BOOKMARK")
                        {
                            Present(route, obj);
                            if (table)
                            {
                                obj = TableConverter.Convert(route.Type, route.Version, [obj], new JsonObject { ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone() },
                                    includeObject, time.GetUtcNow());
                            }
                        }

                        await WriteEventAsync(response, new JsonObject { ["type"] = e.Type, ["object"] = obj }, stop.Token);
                    }

                    var now = time.GetUtcNow();
                    if (now >= end)
                    {
                        break;
                    }

                    if (bookmarks && now >= nextBookmark && store.BookmarkVersion(subscription) is { } rv)
                    {
                        await WriteEventAsync(response, BookmarkEvent(route, rv), stop.Token);
                        nextBookmark = now + options.BookmarkInterval;
                    }

                    var wait = (bookmarks && nextBookmark < end ? nextBookmark : end) - now;
                    using var waitTimer = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), time);
                    using var waitStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, waitTimer.Token);
                    try
                    {
                        await subscription.Reader.WaitToReadAsync(waitStop.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        // A timer fired: bookmark or end.
                    }
                }

                if (bookmarks && store.BookmarkVersion(subscription) is { } last)
                {
                    await WriteEventAsync(response, BookmarkEvent(route, last), stop.Token);
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // Injected fault: cut the connection mid-stream.
                options.Faults.RecordDroppedWatch();
                context.Abort();
            }
        }
    }

    private static JsonObject BookmarkEvent(Route route, long rv) => new()
    {
        ["type"] = "BOOKMARK",
        ["object"] = new JsonObject
        {
            ["kind"] = route.Type.Kind,
            ["apiVersion"] = route.Type.ApiVersion(route.Version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
        },
    };

    private static async Task WriteEventAsync(HttpResponse response, JsonObject e, CancellationToken ct)
    {
        await response.WriteAsync(e.ToJsonString() + "\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
