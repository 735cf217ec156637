using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ferry.ClusterSim.Api;
using Ferry.ClusterSim.FieldManagement;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.OpenApi;
using Ferry.ClusterSim.Patching;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Schema;
using Ferry.ClusterSim.Selectors;

namespace Ferry.ClusterSim.Storage;

/// <summary>The simulated etcd plus API server registry: every object as JSON, one global resourceVersion,
/// the watch event history, and the semantics of create, update, patch, apply, delete, finalizers and garbage
/// collection.</summary>
/// <remarks>
/// All operations are serialized by one lock. Behaviour follows the Kubernetes API conventions
/// ("Concurrency Control and Consistency", "Spec and Status", "Finalizers", "Garbage Collection") with these
/// simplifications: <c>resourceVersion</c> on get/list is ignored (always the latest state); a list continued with
/// a token reads the current state after the token's key rather than a snapshot; garbage collection runs
/// synchronously at the end of every delete; <c>metadata.generation</c> is kept for every kind.
/// </remarks>
public sealed partial class ClusterStore
{
    private const string ForegroundFinalizer = "foregroundDeletion";
    private const string OrphanFinalizer = "orphan";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly HashSet<string> _removedUids = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _historySize;
    private readonly IKubelet? _kubelet;
    private long _resourceVersion;
    private long _compactedResourceVersion;

    internal ClusterStore(TimeProvider time, int historySize, IKubelet? kubelet, string clusterCaPem = "")
    {
        ClusterCaPem = clusterCaPem;
        _time = time;
        _historySize = Math.Max(1, historySize);
        _kubelet = kubelet;
        var namespaces = Registry.Find("", "namespaces")!;
        foreach (var ns in new[] { "default", "kube-system", "kube-public" })
        {
            Create(namespaces, "v1", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        foreach (var role in Auth.BootstrapPolicy.ClusterRoles())
        {
            Create(Registry.Find("rbac.authorization.k8s.io", "clusterroles")!, "v1", null, role);
        }

        foreach (var binding in Auth.BootstrapPolicy.ClusterRoleBindings())
        {
            Create(Registry.Find("rbac.authorization.k8s.io", "clusterrolebindings")!, "v1", null, binding);
        }
    }

    /// <summary>The field manager of writes that name none (objects a test creates through the store).</summary>
    public const string DefaultFieldManager = "clustersim";

    /// <summary>The kinds being served.</summary>
    public ResourceRegistry Registry { get; } = new();

    /// <summary>The certificate authority (PEM) that in-cluster clients trust: the <c>ca.crt</c> of pods' service-account volumes.</summary>
    public string ClusterCaPem { get; }

    /// <summary>Raised (under the store's lock: return at once) after every committed change, with the changed kind's
    /// <see cref="ResourceType.Key"/>.</summary>
    internal event Action<string>? Changed;

    /// <summary>The latest resourceVersion.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>The resourceVersion up to which watch history has been dropped: watching from an older one is 410 Gone.</summary>
    public long CompactedResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _compactedResourceVersion;
            }
        }
    }

    /// <summary>Drops the whole watch history, as an etcd compaction does: any watch or list continue from an
    /// older resourceVersion then fails with 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedResourceVersion = _resourceVersion;
        }
    }

    /// <summary>Finds a kind by group and plural, e.g. <c>("batch", "jobs")</c>.</summary>
    /// <exception cref="StatusException">404 when the kind is not served.</exception>
    public ResourceType Type(string group, string plural) =>
        Registry.Find(group, plural) ?? throw new StatusException(404, "NotFound", $"the server could not find the requested resource ({plural}.{group})");

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type.Key, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[type.Key] = bucket;
        }

        return bucket;
    }

    private static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            obj["metadata"] = meta;
        }

        return meta;
    }

    /// <summary>A deep copy in which every value is backed by parsed JSON, so scalar reads behave the same
    /// whether the object came off the wire or was built in code.</summary>
    private static JsonObject Normalize(JsonObject obj) => JsonNode.Parse(obj.ToJsonString())!.AsObject();

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static List<string> Finalizers(JsonObject obj) =>
        (Meta(obj)["finalizers"] as JsonArray)?.Select(f => Str(f) ?? "").ToList() ?? [];

    private static void SetFinalizers(JsonObject obj, List<string> finalizers)
    {
        if (finalizers.Count == 0)
        {
            Meta(obj).Remove("finalizers");
        }
        else
        {
            Meta(obj)["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
        }
    }

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string ApiVersionOf(ResourceType type, JsonObject obj, string fallbackVersion)
    {
        var apiVersion = Str(obj["apiVersion"]);
        if (apiVersion is not null)
        {
            var version = apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;
            if (type.FindVersion(version) is not null && apiVersion == type.ApiVersion(version))
            {
                return apiVersion;
            }
        }

        return type.ApiVersion(fallbackVersion);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    private static void ValidateName(ResourceType type, string name, List<FieldError> errors)
    {
        if (type.Group == "rbac.authorization.k8s.io")
        {
            // RBAC names are path segments (ValidatePathSegmentName): "system:discovery" is valid.
            if (name is "." or ".." || name.Contains('/') || name.Contains('%'))
            {
                errors.Add(FieldError.Invalid("metadata.name", $"\"{name}\"", "may not contain '/' or '%', and may not be '.' or '..'"));
            }

            return;
        }

        var isNamespace = type.Group.Length == 0 && type.Plural == "namespaces";
        if (isNamespace ? name.Length > 63 || !Label().IsMatch(name) : name.Length > 253 || !Subdomain().IsMatch(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", $"\"{name}\"", isNamespace
                ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }
    }

    /// <summary>Prunes, defaults and validates an object: its <c>metadata</c> against <c>ObjectMeta</c>, a custom object
    /// against its version's CRD schema, a built-in one against its upstream OpenAPI schema; unknown and duplicate
    /// fields are refused, warned about or ignored as <see cref="WriteOptions.FieldValidation"/> says.</summary>
    private static void ApplySchema(ResourceType type, JsonObject obj, string name, WriteOptions options, JsonObject? old = null)
    {
        var errors = new List<FieldError>();
        var apiVersion = Str(obj["apiVersion"]) ?? "";
        var version = type.FindVersion(apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion)
            ?? type.StorageVersion;
        var unknown = new List<string>();
        TypedPruner.Prune(obj["metadata"], UpstreamOpenApi.ObjectMeta, "metadata", unknown);
        if (type.IsCustom && version.Schema is { } schema)
        {
            errors.AddRange(SchemaProcessor.Process(obj, schema, unknown, old));
        }
        else if (!type.IsCustom && UpstreamOpenApi.KindSchema(type.Group, version.Name, type.Kind) is { } typed)
        {
            TypedPruner.Prune(obj, typed, "", unknown);
        }

        var strict = options.Duplicates.Select(d => $"duplicate field \"{d}\"").Concat(unknown.Select(u => $"unknown field \"{u}\"")).ToList();
        if (strict.Count > 0 && options.FieldValidation == "Strict")
        {
            var text = "strict decoding error: " + string.Join(", ", strict);
            if (options.IsPatch)
            {
                throw StatusException.Invalid("", "", "", [FieldError.Invalid("patch", JsonSerializerQuote(obj.ToJsonString()), text)]);
            }

            throw StatusException.BadRequest($"{type.Kind} in version \"{version.Name}\" cannot be handled as a {type.Kind}: {text}");
        }

        if (options.FieldValidation == "Warn")
        {
            options.Warnings.AddRange(strict);
        }

        if (errors.Count > 0)
        {
            throw StatusException.Invalid(type.Kind, type.Group, name, errors);
        }
    }

    private static string JsonSerializerQuote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>The unknown fields of an applied configuration: server-side apply refuses them whatever the field
    /// validation (structured-merge-diff's typed conversion), with HTTP 500 as Kubernetes 1.32 does.</summary>
    private static void RefuseUndeclaredApplyFields(ResourceType type, string version, string? ns, string name, JsonObject config)
    {
        var copy = Normalize(config);
        var unknown = new List<string>();
        TypedPruner.Prune(copy["metadata"], UpstreamOpenApi.ObjectMeta, "metadata", unknown);
        if (type.IsCustom && (type.FindVersion(version) ?? type.StorageVersion).Schema is { } schema)
        {
            SchemaProcessor.Prune(copy, schema, root: true, pruned: unknown);
        }
        else if (!type.IsCustom && UpstreamOpenApi.KindSchema(type.Group, version, type.Kind) is { } typed)
        {
            TypedPruner.Prune(copy, typed, "", unknown);
        }

        if (unknown.Count == 0)
        {
            return;
        }

        var where = $"{(ns is null ? "" : ns + "/")}{name}; {type.ApiVersion(version)}, Kind={type.Kind}";
        var detail = unknown.Count == 1
            ? $".{unknown[0]}: field not declared in schema"
            : "errors:\n" + string.Join("\n", unknown.Select(u => $"  .{u}: field not declared in schema"));
        throw new StatusException(500, "InternalError", $"failed to create typed patch object ({where}): {detail}");
    }

    private static JsonObject Content(ResourceType type, JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        if (type.HasStatus)
        {
            copy.Remove("status");
        }

        return copy;
    }

    private bool NamespaceExists(string ns) =>
        _objects.TryGetValue("/namespaces", out var namespaces) && namespaces.ContainsKey(Key(null, ns));

    /// <summary>Creates an object: assigns name (from generateName), uid, creationTimestamp, generation 1 and a
    /// resourceVersion; drops status for kinds with a status subresource; applies the CRD schema.</summary>
    /// <param name="type">The kind.</param>
    /// <param name="version">The version of the request path, used when the body has no valid apiVersion.</param>
    /// <param name="ns">The namespace from the request path (namespaced kinds), or null.</param>
    /// <param name="obj">The object; not modified.</param>
    /// <param name="options">Dry run and field validation; null for the defaults.</param>
    /// <returns>A copy of the stored object.</returns>
    /// <exception cref="StatusException">409 AlreadyExists, 422 Invalid, 404 when the namespace does not exist,
    /// 400 when the body's namespace differs from the path's.</exception>
    public JsonObject Create(ResourceType type, string version, string? ns, JsonObject obj, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        JsonObject stored;
        lock (_gate)
        {
            stored = CreateLocked(type, version, ns, Normalize(obj), options);
        }

        if (!options.DryRun && _kubelet is not null && IsKubeletKind(type))
        {
            _kubelet.OnCreated(this, type, stored.DeepClone().AsObject());
        }

        return stored;
    }

    /// <summary>Creates every object in a (multi-document) YAML or JSON manifest, in order, as <c>kubectl create -f</c>
    /// would: each document's <c>apiVersion</c> and <c>kind</c> choose the resource, its <c>metadata.namespace</c>
    /// (default <c>default</c>) the namespace. CRDs are served as soon as they are created.</summary>
    /// <returns>The stored objects.</returns>
    /// <exception cref="StatusException">404 when a kind is not served; the errors of <see cref="Create"/>.</exception>
    public IReadOnlyList<JsonObject> CreateFromYaml(string manifest)
    {
        var created = new List<JsonObject>();
        foreach (var doc in YamlJson.ParseAll(manifest).OfType<JsonObject>())
        {
            var apiVersion = Str(doc["apiVersion"]) ?? "";
            var kind = Str(doc["kind"]) ?? "";
            var type = Registry.FindByKind(apiVersion, kind)
                ?? throw new StatusException(404, "NotFound", $"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
            var version = apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;
            created.Add(Create(type, version, type.Namespaced ? Str(doc["metadata"]?["namespace"]) ?? "default" : null, doc));
        }

        return created;
    }

    private static bool IsKubeletKind(ResourceType type) =>
        (type.Group.Length == 0 && type.Plural == "pods") || (type.Group == "batch" && type.Plural == "jobs");

    private JsonObject CreateLocked(ResourceType type, string version, string? ns, JsonObject obj, WriteOptions options, JsonObject? applied = null)
    {
        var meta = Meta(obj);
        var bodyNs = Str(meta["namespace"]);
        if (type.Namespaced)
        {
            if (!string.IsNullOrEmpty(bodyNs) && ns is not null && bodyNs != ns)
            {
                throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            ns ??= string.IsNullOrEmpty(bodyNs) ? "default" : bodyNs;
            meta["namespace"] = ns;
            if (!NamespaceExists(ns))
            {
                throw StatusException.NotFound(Registry.Find("", "namespaces")!, ns);
            }

            if (_objects["/namespaces"][Key(null, ns)]["metadata"]?["deletionTimestamp"] is not null)
            {
                throw new StatusException(403, "Forbidden",
                    $"{type.QualifiedPlural} \"{Str(meta["name"]) ?? Str(meta["generateName"])}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
            }
        }
        else
        {
            ns = null;
            meta.Remove("namespace");
        }

        var bucket = Bucket(type);
        var name = Str(meta["name"]);
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(name))
        {
            var prefix = Str(meta["generateName"]);
            if (string.IsNullOrEmpty(prefix))
            {
                throw StatusException.Invalid(type.Kind, type.Group, "", [new FieldError("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")]);
            }

            do
            {
                name = prefix + RandomSuffix();
            }
            while (bucket.ContainsKey(Key(ns, name)));
            meta["name"] = name;
        }

        ValidateName(type, name, errors);
        if (errors.Count > 0)
        {
            throw StatusException.Invalid(type.Kind, type.Group, name, errors);
        }

        if (bucket.ContainsKey(Key(ns, name)))
        {
            throw StatusException.AlreadyExists(type, name);
        }

        if (type.Group.Length == 0 && type.Plural == "pods")
        {
            var accounts = Bucket(Registry.Find("", "serviceaccounts")!);
            Admission.AdmitPod(obj, ns!, sa => accounts.TryGetValue(Key(ns, sa), out var found) ? found : null);
        }
        else if (type.Group.Length == 0 && type.Plural == "services")
        {
            Admission.DefaultService(obj);
        }

        obj["apiVersion"] = ApiVersionOf(type, obj, version);
        obj["kind"] = type.Kind;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta["generation"] = 1L;
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        meta.Remove("resourceVersion");
        if (type.HasStatus)
        {
            obj.Remove("status");
        }

        ApplySchema(type, obj, name, options);
        if (IsSecret(type))
        {
            DefaultSecret(obj);
        }

        // Owned: what the request set, defaults included; not what the server adds below (status).
        var writer = Writer(type, obj, options, status: false);
        SetManagedFields(obj, applied is null
            ? FieldManager.Update(writer, null, obj, [], Now())
            : FieldManager.Apply(writer, null, applied, options.Force, Now()).ManagedFields);

        ResourceType? defined = null;
        if (IsCrd(type))
        {
            defined = ResourceRegistry.FromCrd(obj);
            obj["status"] = CrdStatus(obj, defined);
        }
        else if (type.Group.Length == 0 && type.Plural == "namespaces")
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }

        if (options.DryRun)
        {
            return obj;
        }

        var rv = ++_resourceVersion;
        meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        bucket[Key(ns, name)] = obj;
        Publish(new WatchEvent("ADDED", obj, null, rv, type.Key));
        if (defined is not null)
        {
            Registry.AddOrReplace(defined);
        }

        if (type.Group.Length == 0 && type.Plural == "namespaces")
        {
            foreach (var (plural, child) in Admission.NamespaceDefaults(name))
            {
                CreateLocked(Registry.Find("", plural)!, "v1", name, child, WriteOptions.By(Controllers.Workloads.ControllerManager));
            }
        }

        return obj.DeepClone().AsObject();
    }

    private static bool IsSecret(ResourceType type) => type.Group.Length == 0 && type.Plural == "secrets";

    private static FieldWriter Writer(ResourceType type, JsonObject obj, WriteOptions options, bool status)
    {
        var apiVersion = Str(obj["apiVersion"]) ?? type.ApiVersion(type.StorageVersion.Name);
        var version = apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;
        return new FieldWriter(type, FieldManager.RootType(type, version), options.FieldManager ?? DefaultFieldManager, apiVersion, status ? "status" : null);
    }

    private static void SetManagedFields(JsonObject obj, JsonArray managedFields)
    {
        if (managedFields.Count == 0)
        {
            Meta(obj).Remove("managedFields");
        }
        else
        {
            Meta(obj)["managedFields"] = managedFields;
        }
    }

    /// <summary>Built-in Secret defaulting: no type means <c>Opaque</c>; <c>stringData</c> is folded into
    /// <c>data</c> (base64) and dropped, as the v1 conversion does on every write.</summary>
    private static void DefaultSecret(JsonObject obj)
    {
        if (string.IsNullOrEmpty(Str(obj["type"])))
        {
            obj["type"] = "Opaque";
        }

        if (obj["stringData"] is JsonObject stringData)
        {
            var data = (obj["data"] ??= new JsonObject()).AsObject();
            foreach (var (k, v) in stringData)
            {
                data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Str(v) ?? ""));
            }

            obj.Remove("stringData");
        }
    }

    private static bool IsCrd(ResourceType type) => type.Group == "apiextensions.k8s.io" && type.Plural == "customresourcedefinitions";

    private JsonObject CrdStatus(JsonObject crd, ResourceType defined)
    {
        var now = Now();
        JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = message,
        };
        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["storedVersions"] = new JsonArray(JsonValue.Create(defined.StorageVersion.Name)),
        };
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var chars = new char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>Reads one object.</summary>
    /// <exception cref="StatusException">404 NotFound.</exception>
    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return GetLocked(type, ns, name).DeepClone().AsObject();
        }
    }

    private JsonObject GetLocked(ResourceType type, string? ns, string name) =>
        Bucket(type).TryGetValue(Key(type.Namespaced ? ns : null, name), out var obj) ? obj : throw StatusException.NotFound(type, name);

    /// <summary>Lists objects of <paramref name="type"/> in <paramref name="ns"/> (all namespaces when null).</summary>
    /// <exception cref="StatusException">410 Expired for a continue token older than the compacted history;
    /// 400 for a malformed token.</exception>
    public ListResult List(ResourceType type, string? ns, ListOptions options)
    {
        lock (_gate)
        {
            var listRv = _resourceVersion;
            string? after = null;
            if (!string.IsNullOrEmpty(options.Continue))
            {
                (listRv, after) = DecodeContinue(options.Continue);
                if (listRv < _compactedResourceVersion)
                {
                    throw StatusException.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                }
            }

            var matching = Bucket(type)
                .Where(p => after is null || string.CompareOrdinal(p.Key, after) > 0)
                .Where(p => Matches(type, p.Value, ns, options.Labels, options.Fields))
                .ToList();
            var page = options.Limit > 0 ? matching.Take(options.Limit).ToList() : matching;
            string? next = null;
            long? remaining = null;
            if (options.Limit > 0 && matching.Count > page.Count)
            {
                next = EncodeContinue(listRv, page[^1].Key);
                remaining = matching.Count - page.Count;
            }

            return new ListResult(page.Select(p => p.Value.DeepClone().AsObject()).ToList(), listRv, next, remaining);
        }
    }

    private static string EncodeContinue(long rv, string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["rv"] = rv, ["start"] = key }.ToJsonString()));

    private static (long Rv, string Key) DecodeContinue(string token)
    {
        try
        {
            var node = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!;
            return (node["rv"]!.GetValue<long>(), node["start"]!.GetValue<string>());
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw StatusException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
    }

    internal static bool Matches(ResourceType type, JsonObject obj, string? ns, LabelSelector labels, FieldSelector fields) =>
        (ns is null || !type.Namespaced || Str(obj["metadata"]?["namespace"]) == ns) && labels.Matches(obj) && fields.Matches(obj);

    /// <summary>Replaces an object (PUT). With <paramref name="status"/> only the status is taken from
    /// <paramref name="obj"/>; otherwise the status is kept for kinds with a status subresource.</summary>
    /// <exception cref="StatusException">404, 409 Conflict for a stale resourceVersion, 422 Invalid (including a
    /// custom object without resourceVersion), 400 when the name differs from the path's.</exception>
    public JsonObject Replace(ResourceType type, string? ns, string name, JsonObject obj, bool status = false, WriteOptions? options = null)
    {
        var body = obj.DeepClone().AsObject();
        var bodyName = Str(body["metadata"]?["name"]);
        if (bodyName is not null && bodyName != name)
        {
            throw StatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        lock (_gate)
        {
            return UpdateLocked(type, ns, name, _ => body, status, requireResourceVersion: type.IsCustom, options ?? WriteOptions.Default);
        }
    }

    /// <summary>Patches an object: <paramref name="patch"/> turns a copy of the current object into the new one; a
    /// resourceVersion the patch sets acts as a precondition.</summary>
    /// <exception cref="StatusException">404, 409 Conflict, 422 Invalid.</exception>
    public JsonObject Patch(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject> patch, bool status = false, WriteOptions? options = null)
    {
        lock (_gate)
        {
            return UpdateLocked(type, ns, name, patch, status, requireResourceVersion: false, options ?? WriteOptions.Default);
        }
    }

    /// <summary>Sets the status of an object, as a kubelet or controller writing <c>/status</c> would, as
    /// <paramref name="fieldManager"/> (default <see cref="DefaultFieldManager"/>).</summary>
    /// <exception cref="StatusException">404 when the object or kind does not exist; 422 Invalid.</exception>
    public JsonObject SetStatus(string group, string plural, string? ns, string name, JsonNode? status, string? fieldManager = null)
    {
        var type = Type(group, plural);
        return Patch(type, ns, name, current =>
        {
            current["status"] = status?.DeepClone();
            return current;
        }, status: true, options: fieldManager is null ? null : WriteOptions.By(fieldManager));
    }

    /// <summary>Server-side apply: creates the object from <paramref name="config"/> when absent, else merges it into
    /// the live object with field ownership (see <see cref="FieldManager"/>): <paramref name="fieldManager"/> then owns
    /// exactly the configuration's fields, fields it applied before and now omits are removed unless another manager
    /// owns them, and changing a field another manager owns is a 409 Conflict unless
    /// <see cref="WriteOptions.Force"/>.</summary>
    /// <exception cref="StatusException">404 (status apply on a missing object), 409 (apply conflict), 422, 400.</exception>
    public JsonObject Apply(ResourceType type, string version, string? ns, string name, JsonObject config, string fieldManager,
        bool status = false, WriteOptions? options = null)
    {
        var configName = Str(config["metadata"]?["name"]);
        if (configName is not null && configName != name)
        {
            throw StatusException.BadRequest($"the name of the object ({configName}) does not match the name on the URL ({name})");
        }

        options = (options ?? WriteOptions.Default) with { FieldManager = fieldManager };
        RefuseUndeclaredApplyFields(type, version, type.Namespaced ? ns : null, name, config);
        var applied = Normalize(config);
        Meta(applied)["name"] = name;
        if (Str(applied["apiVersion"]) is null)
        {
            applied["apiVersion"] = type.ApiVersion(version);
        }

        JsonObject result;
        var created = false;
        lock (_gate)
        {
            if (!Bucket(type).ContainsKey(Key(type.Namespaced ? ns : null, name)))
            {
                if (status)
                {
                    throw StatusException.NotFound(type, name);
                }

                result = CreateLocked(type, version, ns, applied.DeepClone().AsObject(), options, applied);
                created = true;
            }
            else
            {
                result = UpdateLocked(type, ns, name, null, status, requireResourceVersion: false, options, applied);
            }
        }

        if (created && !options.DryRun && _kubelet is not null && IsKubeletKind(type))
        {
            _kubelet.OnCreated(this, type, result.DeepClone().AsObject());
        }

        return result;
    }

    /// <summary>Replaces the stored object by what <paramref name="produce"/> makes of it, or (with
    /// <paramref name="applied"/>) by the server-side apply of that configuration, keeping managedFields.</summary>
    private JsonObject UpdateLocked(ResourceType type, string? ns, string name, Func<JsonObject, JsonObject>? produce,
        bool statusOnly, bool requireResourceVersion, WriteOptions options, JsonObject? applied = null)
    {
        ns = type.Namespaced ? ns : null;
        var current = GetLocked(type, ns, name);
        var currentMeta = Meta(current);
        var currentRv = Str(currentMeta["resourceVersion"]);
        JsonArray? appliedFields = null;
        if (applied is not null)
        {
            var (merged, managed) = FieldManager.Apply(Writer(type, applied, options, statusOnly), current, applied, options.Force, Now());
            appliedFields = managed;
            produce = _ => merged;
        }

        var proposed = Normalize(produce!(current.DeepClone().AsObject()));
        var proposedMeta = Meta(proposed);
        var proposedNs = Str(proposedMeta["namespace"]);
        if (type.Namespaced && !string.IsNullOrEmpty(proposedNs) && proposedNs != ns)
        {
            throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var proposedRv = Str(proposedMeta["resourceVersion"]);
        if (string.IsNullOrEmpty(proposedRv))
        {
            if (requireResourceVersion)
            {
                throw StatusException.Invalid(type.Kind, type.Group, name, [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]);
            }
        }
        else if (proposedRv != currentRv)
        {
            throw StatusException.Conflict(type, name);
        }

        JsonObject result;
        if (statusOnly)
        {
            result = current.DeepClone().AsObject();
            if (proposed["status"] is { } newStatus)
            {
                result["status"] = newStatus.DeepClone();
            }
            else
            {
                result.Remove("status");
            }
        }
        else
        {
            result = proposed;
            if (type.HasStatus)
            {
                if (current["status"] is { } oldStatus)
                {
                    result["status"] = oldStatus.DeepClone();
                }
                else
                {
                    result.Remove("status");
                }
            }

            var meta = Meta(result);
            foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (currentMeta[field] is { } value)
                {
                    meta[field] = value.DeepClone();
                }
                else
                {
                    meta.Remove(field);
                }
            }

            meta.Remove("selfLink");
            result["kind"] = type.Kind;
            result["apiVersion"] = ApiVersionOf(type, result, type.StorageVersion.Name);
            if (currentMeta["deletionTimestamp"] is not null)
            {
                var added = Finalizers(result).Except(Finalizers(current)).ToList();
                if (added.Count > 0)
                {
                    throw StatusException.Invalid(type.Kind, type.Group, name,
                        [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}")]);
                }
            }
        }

        ApplySchema(type, result, name, options, current);
        if (IsSecret(type))
        {
            DefaultSecret(result);
        }

        // An update sent with managedFields starts from them (a client may reset ownership); else from the stored ones.
        var baseFields = !statusOnly && proposedMeta["managedFields"] is JsonArray { Count: > 0 } sent ? sent : currentMeta["managedFields"];
        SetManagedFields(result, appliedFields ?? FieldManager.Update(Writer(type, result, options, statusOnly), current, result, ManagedFieldsEntry.Decode(baseFields), Now()));

        ResourceType? defined = null;
        if (IsCrd(type) && !statusOnly)
        {
            defined = ResourceRegistry.FromCrd(result);
        }

        var resultMeta = Meta(result);
        if (!JsonNode.DeepEquals(Content(type, result), Content(type, current)))
        {
            resultMeta["generation"] = (JsonValues.Long(currentMeta["generation"]) ?? 0) + 1;
        }

        resultMeta["resourceVersion"] = currentRv;
        if (JsonNode.DeepEquals(result, current) || options.DryRun)
        {
            return result.DeepClone().AsObject();
        }

        var rv = ++_resourceVersion;
        resultMeta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        Bucket(type)[Key(ns, name)] = result;
        Publish(new WatchEvent("MODIFIED", result, current, rv, type.Key));
        if (defined is not null)
        {
            Registry.AddOrReplace(defined);
        }

        if (resultMeta["deletionTimestamp"] is not null && Finalizers(result).Count == 0)
        {
            RemoveLocked(type, ns, name);
            CollectGarbageLocked();
        }
        else if (resultMeta["deletionTimestamp"] is not null)
        {
            CollectGarbageLocked();
        }

        return GetOrSelf(type, ns, name, result);
    }

    private JsonObject GetOrSelf(ResourceType type, string? ns, string name, JsonObject fallback) =>
        (Bucket(type).TryGetValue(Key(ns, name), out var now) ? now : fallback).DeepClone().AsObject();

    /// <summary>Deletes an object. With finalizers (or a Foreground/Orphan policy) it only gets a deletionTimestamp
    /// and stays until the last finalizer is removed; dependents are garbage-collected by ownerReference.</summary>
    /// <returns>The object (removed, or marked for deletion) and whether it was removed now.</returns>
    /// <exception cref="StatusException">404, 409 Conflict when a precondition fails.</exception>
    public (JsonObject Object, bool Removed) Delete(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        JsonObject result;
        bool removed;
        lock (_gate)
        {
            (result, removed) = DeleteLocked(type, ns, name, options);
            if (!options.DryRun)
            {
                CollectGarbageLocked();
            }
        }

        return (result, removed);
    }

    private (JsonObject Object, bool Removed) DeleteLocked(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        ns = type.Namespaced ? ns : null;
        var current = GetLocked(type, ns, name);
        var meta = Meta(current);
        if (options.PreconditionUid is { } uid && uid != Str(meta["uid"]))
        {
            throw StatusException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Str(meta["uid"])}");
        }

        if (options.PreconditionResourceVersion is { } prv && prv != Str(meta["resourceVersion"]))
        {
            throw StatusException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {prv}, ResourceVersion in object meta: {Str(meta["resourceVersion"])}");
        }

        if (options.DryRun)
        {
            return (current.DeepClone().AsObject(), false);
        }

        if (meta["deletionTimestamp"] is not null)
        {
            return (current.DeepClone().AsObject(), false);
        }

        var policy = options.PropagationPolicy ?? (type.Group == "batch" && type.Plural == "jobs" ? "Orphan" : "Background");
        var finalizers = Finalizers(current);
        if (policy == "Foreground" && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }
        else if (policy == "Orphan" && !finalizers.Contains(OrphanFinalizer))
        {
            finalizers.Add(OrphanFinalizer);
        }

        var isNamespace = type.Group.Length == 0 && type.Plural == "namespaces";
        if (isNamespace && name is "default" or "kube-system" or "kube-public")
        {
            throw new StatusException(403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted");
        }

        if (finalizers.Count == 0 && !isNamespace)
        {
            return (RemoveLocked(type, ns, name), true);
        }

        var marked = current.DeepClone().AsObject();
        var markedMeta = Meta(marked);
        markedMeta["deletionTimestamp"] = Now();
        markedMeta["deletionGracePeriodSeconds"] = 0L;
        SetFinalizers(marked, finalizers);
        if (isNamespace)
        {
            marked["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        Commit(type, ns, name, marked, current);
        if (isNamespace)
        {
            foreach (var t in Registry.Types.Where(t => t.Namespaced))
            {
                foreach (var key in Bucket(t).Where(p => Str(p.Value["metadata"]?["namespace"]) == name).Select(p => p.Value).ToList())
                {
                    DeleteLocked(t, name, Str(key["metadata"]?["name"])!, new DeleteOptions("Background"));
                }
            }
        }

        return (marked.DeepClone().AsObject(), false);
    }

    private void Commit(ResourceType type, string? ns, string name, JsonObject updated, JsonObject old)
    {
        var rv = ++_resourceVersion;
        Meta(updated)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        Bucket(type)[Key(ns, name)] = updated;
        Publish(new WatchEvent("MODIFIED", updated, old, rv, type.Key));
    }

    private JsonObject RemoveLocked(ResourceType type, string? ns, string name)
    {
        var bucket = Bucket(type);
        var obj = bucket[Key(ns, name)];
        bucket.Remove(Key(ns, name));
        if (Str(obj["metadata"]?["uid"]) is { } removedUid)
        {
            _removedUids.Add(removedUid);
        }

        var rv = ++_resourceVersion;
        var last = obj.DeepClone().AsObject();
        Meta(last)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        Publish(new WatchEvent("DELETED", last, obj, rv, type.Key));
        if (IsCrd(type) && ResourceRegistryKey(obj) is { } defined)
        {
            if (_objects.TryGetValue(defined.Key, out var instances))
            {
                foreach (var instance in instances.ToList())
                {
                    var m = Meta(instance.Value);
                    RemoveLocked(defined, Str(m["namespace"]), Str(m["name"])!);
                }
            }

            Registry.Remove(defined.Group, defined.Plural);
        }

        if (_kubelet is not null && IsKubeletKind(type))
        {
            var copy = last.DeepClone().AsObject();
            ThreadPool.QueueUserWorkItem(_ => _kubelet.OnDeleted(this, type, copy));
        }

        return last.DeepClone().AsObject();
    }

    private ResourceType? ResourceRegistryKey(JsonObject crd)
    {
        var group = Str(crd["spec"]?["group"]);
        var plural = Str(crd["spec"]?["names"]?["plural"]);
        return group is null || plural is null ? null : Registry.Find(group, plural) is { IsCustom: true } t ? t : null;
    }

    /// <summary>Runs the garbage collector until nothing changes: orphans dependents of objects deleted with the
    /// Orphan policy, deletes dependents of Foreground deletions, deletes objects all of whose owners are gone,
    /// and removes terminating namespaces once empty.</summary>
    private void CollectGarbageLocked()
    {
        for (var round = 0; round < 100; round++)
        {
            var changed = false;
            var all = Registry.Types.SelectMany(t => Bucket(t).Values.Select(o => (Type: t, Obj: o))).ToList();
            foreach (var (type, obj) in all)
            {
                var meta = Meta(obj);
                var name = Str(meta["name"])!;
                var ns = Str(meta["namespace"]);
                if (!Bucket(type).TryGetValue(Key(ns, name), out var live) || !ReferenceEquals(live, obj))
                {
                    continue;
                }

                var uid = Str(meta["uid"]);
                var deleting = meta["deletionTimestamp"] is not null;
                var finalizers = Finalizers(obj);
                if (deleting && finalizers.Contains(OrphanFinalizer))
                {
                    foreach (var (depType, dep) in Dependents(all, uid))
                    {
                        var updated = dep.DeepClone().AsObject();
                        var refs = (JsonArray)Meta(updated)["ownerReferences"]!;
                        foreach (var r in refs.Where(r => Str(r?["uid"]) == uid).ToList())
                        {
                            refs.Remove(r);
                        }

                        if (refs.Count == 0)
                        {
                            Meta(updated).Remove("ownerReferences");
                        }

                        var dm = Meta(dep);
                        Commit(depType, Str(dm["namespace"]), Str(dm["name"])!, updated, dep);
                    }

                    changed |= RemoveFinalizerLocked(type, ns, name, obj, OrphanFinalizer);
                    continue;
                }

                if (deleting && finalizers.Contains(ForegroundFinalizer))
                {
                    var dependents = Dependents(all, uid).ToList();
                    foreach (var (depType, dep) in dependents.Where(d => d.Obj["metadata"]?["deletionTimestamp"] is null))
                    {
                        var dm = Meta(dep);
                        DeleteLocked(depType, Str(dm["namespace"]), Str(dm["name"])!, new DeleteOptions("Foreground"));
                        changed = true;
                    }

                    if (dependents.Count == 0)
                    {
                        changed |= RemoveFinalizerLocked(type, ns, name, obj, ForegroundFinalizer);
                    }

                    continue;
                }

                if (deleting && type.Group.Length == 0 && type.Plural == "namespaces" && finalizers.Count == 0
                    && !Registry.Types.Where(t => t.Namespaced).Any(t => Bucket(t).Values.Any(o => Str(o["metadata"]?["namespace"]) == name)))
                {
                    RemoveLocked(type, ns, name);
                    changed = true;
                    continue;
                }

                // Collected when every owner is known to be gone (an owner uid never seen is left alone).
                if (!deleting && meta["ownerReferences"] is JsonArray owners && owners.Count > 0
                    && owners.All(o => Str(o?["uid"]) is { } ownerUid && _removedUids.Contains(ownerUid)))
                {
                    DeleteLocked(type, ns, name, new DeleteOptions("Background"));
                    changed = true;
                }
            }

            if (!changed)
            {
                return;
            }
        }
    }

    private static IEnumerable<(ResourceType Type, JsonObject Obj)> Dependents(List<(ResourceType Type, JsonObject Obj)> all, string? uid) =>
        all.Where(x => x.Obj["metadata"]?["ownerReferences"] is JsonArray refs && refs.Any(r => Str(r?["uid"]) == uid));

    private bool RemoveFinalizerLocked(ResourceType type, string? ns, string name, JsonObject obj, string finalizer)
    {
        var updated = obj.DeepClone().AsObject();
        var finalizers = Finalizers(updated);
        finalizers.Remove(finalizer);
        SetFinalizers(updated, finalizers);
        Commit(type, ns, name, updated, obj);
        if (finalizers.Count == 0)
        {
            RemoveLocked(type, ns, name);
        }

        return true;
    }

    /// <summary>Deletes every object of <paramref name="type"/> in <paramref name="ns"/> the selectors match.</summary>
    public IReadOnlyList<JsonObject> DeleteCollection(ResourceType type, string? ns, ListOptions options, DeleteOptions deleteOptions)
    {
        lock (_gate)
        {
            var victims = Bucket(type).Values.Where(o => Matches(type, o, ns, options.Labels, options.Fields)).ToList();
            var results = new List<JsonObject>();
            foreach (var v in victims)
            {
                var m = Meta(v);
                results.Add(DeleteLocked(type, Str(m["namespace"]), Str(m["name"])!, deleteOptions).Object);
            }

            if (!deleteOptions.DryRun)
            {
                CollectGarbageLocked();
            }

            return results;
        }
    }

    private void Publish(WatchEvent e)
    {
        // Watchers read events outside the lock: give them a private, fully materialized copy (a parsed
        // JsonObject builds its dictionary lazily, which is not safe to race).
        e = e with { Object = e.Object.DeepClone().AsObject() };
        _history.Enqueue(e);
        while (_history.Count > _historySize)
        {
            _compactedResourceVersion = _history.Dequeue().ResourceVersion;
        }

        foreach (var s in _subscriptions)
        {
            if (s.TypeKey == e.TypeKey && s.Filter(e) is { } filtered)
            {
                s.Writer.TryWrite(filtered);
            }
        }

        Changed?.Invoke(e.TypeKey);
    }

    /// <summary>Starts a watch. From <paramref name="resourceVersion"/> (null, empty or "0": the current state as
    /// ADDED events first), replaying history after it; <paramref name="sendInitialEvents"/> also sends the current
    /// state first, followed by a bookmark marking its end.</summary>
    /// <exception cref="StatusException">410 Expired when the resourceVersion is older than the history window;
    /// 400 when it is not a number.</exception>
    internal WatchSubscription Watch(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields,
        string? resourceVersion, bool sendInitialEvents)
    {
        lock (_gate)
        {
            var subscription = new WatchSubscription(type, ns, labels, fields, this);
            var initial = sendInitialEvents || string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0";
            if (initial)
            {
                foreach (var obj in Bucket(type).Values.Where(o => Matches(type, o, ns, labels, fields)))
                {
                    var rv = long.Parse(Str(obj["metadata"]?["resourceVersion"]) ?? "0", CultureInfo.InvariantCulture);
                    subscription.Writer.TryWrite(new WatchEvent("ADDED", obj.DeepClone().AsObject(), null, rv, type.Key));
                }

                if (sendInitialEvents)
                {
                    subscription.Writer.TryWrite(WatchSubscription.Bookmark(type, _resourceVersion, initialEventsEnd: true));
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw StatusException.BadRequest($"invalid resource version: {resourceVersion}");
                }

                if (from < _compactedResourceVersion)
                {
                    throw StatusException.Gone($"too old resource version: {from} ({_compactedResourceVersion + 1})");
                }

                foreach (var e in _history.Where(e => e.ResourceVersion > from && e.TypeKey == type.Key))
                {
                    if (subscription.Filter(e) is { } filtered)
                    {
                        subscription.Writer.TryWrite(filtered);
                    }
                }
            }

            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>The resourceVersion a bookmark may carry now, or null while events are still queued for the watcher.</summary>
    internal long? BookmarkVersion(WatchSubscription subscription)
    {
        lock (_gate)
        {
            return subscription.Pending == 0 ? _resourceVersion : null;
        }
    }

    /// <summary>Closes every open watch stream (fault injection: dropped connections).</summary>
    internal void DropWatches()
    {
        List<WatchSubscription> all;
        lock (_gate)
        {
            all = [.. _subscriptions];
        }

        foreach (var s in all)
        {
            s.Drop();
        }
    }

    /// <summary>How many watch streams are open.</summary>
    public int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }
}
