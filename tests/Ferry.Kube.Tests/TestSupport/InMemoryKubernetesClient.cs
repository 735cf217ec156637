using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.TestSupport;

/// <summary>A tiny in-memory API for unit tests of code that needs get/create/replace with resourceVersion
/// semantics (409 on stale writes, 409 AlreadyExists, 404). Patch, apply and watch are not implemented.</summary>
public sealed class InMemoryKubernetesClient : IKubernetesClient
{
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
    private readonly Lock _gate = new();
    private long _resourceVersion = 100;

    /// <summary>Runs once before the next replace is applied (lets a test interleave another writer).</summary>
    public Func<Task>? BeforeNextReplace { get; set; }

    /// <summary>When set, every call throws it (simulating an unreachable API server).</summary>
    public Exception? FailWith { get; set; }

    public int Writes { get; private set; }

    private static string Key(ResourceDescriptor d, string? ns, string name) => d.Path(ns, name);

    public Task<T> GetAsync<T>(ResourceType<T> type, string? @namespace, string name, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        lock (_gate)
        {
            if (!_objects.TryGetValue(Key(type.Descriptor, @namespace, name), out var stored))
            {
                throw NotFound(type, name);
            }

            return Task.FromResult(stored.Deserialize(type.TypeInfo)!);
        }
    }

    public Task<KubeList<T>> ListAsync<T>(ResourceType<T> type, string? @namespace, KubeListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        lock (_gate)
        {
            var prefix = type.Descriptor.Path(@namespace) + "/";
            var list = new KubeList<T> { Metadata = new V1ListMeta { ResourceVersion = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
            list.Items.AddRange(_objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value.Deserialize(type.TypeInfo)!));
            return Task.FromResult(list);
        }
    }

    public Task<T> CreateAsync<T>(ResourceType<T> type, string? @namespace, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        lock (_gate)
        {
            var node = JsonSerializer.SerializeToNode(value, type.TypeInfo)!.AsObject();
            var name = node["metadata"]!["name"]!.GetValue<string>();
            var key = Key(type.Descriptor, @namespace, name);
            if (_objects.ContainsKey(key))
            {
                throw new KubernetesApiException(new V1Status { Code = 409, Reason = "AlreadyExists", Message = $"\"{name}\" already exists" });
            }

            return Task.FromResult(Store(type, key, node, @namespace));
        }
    }

    public async Task<T> ReplaceAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        if (BeforeNextReplace is { } hook)
        {
            BeforeNextReplace = null;
            await hook();
        }

        lock (_gate)
        {
            var key = Key(type.Descriptor, @namespace, name);
            if (!_objects.TryGetValue(key, out var stored))
            {
                throw NotFound(type, name);
            }

            var node = JsonSerializer.SerializeToNode(value, type.TypeInfo)!.AsObject();
            var sent = node["metadata"]?["resourceVersion"]?.GetValue<string>();
            var current = stored["metadata"]!["resourceVersion"]!.GetValue<string>();
            if (sent is not null && sent != current)
            {
                throw new KubernetesApiException(new V1Status { Code = 409, Reason = "Conflict", Message = "the object has been modified" });
            }

            return Store(type, key, node, @namespace);
        }
    }

    public Task DeleteAsync<T>(ResourceType<T> type, string? @namespace, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        if (!_objects.TryRemove(Key(type.Descriptor, @namespace, name), out _))
        {
            throw NotFound(type, name);
        }

        return Task.CompletedTask;
    }

    public Task<T> PatchAsync<T>(ResourceType<T> type, string? @namespace, string name, JsonNode patch, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        Check();
        lock (_gate)
        {
            var key = Key(type.Descriptor, @namespace, name);
            if (!_objects.TryGetValue(key, out var stored))
            {
                throw NotFound(type, name);
            }

            var merged = JsonNode.Parse(stored.ToJsonString())!.AsObject();
            Merge(merged, patch.AsObject());
            return Task.FromResult(Store(type, key, merged, @namespace));
        }
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch.ToArray())
        {
            if (v is null)
            {
                target.Remove(k);
            }
            else if (v is JsonObject po && target[k] is JsonObject to)
            {
                Merge(to, po);
            }
            else
            {
                target[k] = JsonNode.Parse(v.ToJsonString());
            }
        }
    }

    public IReadOnlyList<T> All<T>(ResourceType<T> type)
        where T : class =>
        [.. _objects.Where(kv => kv.Key.Contains("/" + type.Descriptor.Plural + "/", StringComparison.Ordinal)).Select(kv => kv.Value.Deserialize(type.TypeInfo)!)];

    public Task<T> ApplyAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public V1Lease? Lease(string ns, string name) =>
        _objects.TryGetValue(Key(KubeResources.Leases.Descriptor, ns, name), out var node) ? node.Deserialize(KubeJson.TypeInfo<V1Lease>()) : null;

    private void Check()
    {
        if (FailWith is { } e)
        {
            throw e;
        }
    }

    private T Store<T>(ResourceType<T> type, string key, JsonObject node, string? ns)
        where T : class
    {
        var meta = node["metadata"]!.AsObject();
        meta["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        // Round-trip through JSON text, as a server would.
        var stored = JsonNode.Parse(node.ToJsonString())!.AsObject();
        _objects[key] = stored;
        Writes++;
        return stored.Deserialize(type.TypeInfo)!;
    }

    private static KubernetesApiException NotFound<T>(ResourceType<T> type, string name)
        where T : class =>
        new(new V1Status { Code = 404, Reason = "NotFound", Message = $"{type.Descriptor.Plural} \"{name}\" not found" });
}
