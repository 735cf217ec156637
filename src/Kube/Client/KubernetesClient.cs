using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Kube.Errors;
using Ferry.Kube.Serialization;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>Ferry's <see cref="IKubernetesClient"/> on KubernetesClient: the package's configuration and credentials
/// (<see cref="KubernetesTransport"/>), its models for the built-in kinds (<see cref="KubeResources"/>), and
/// source-generated JSON for every kind.</summary>
/// <remarks>
/// Requests other than watches are cancelled after <see cref="KubernetesClientConfiguration.HttpClientTimeout"/>
/// (default 100 s, measured with the injected <see cref="TimeProvider"/>); a timeout surfaces as a transient
/// <see cref="KubernetesTransportException"/>. Error answers become <see cref="KubernetesApiException"/>. List items and watch objects are decoded one by one with the caller's
/// <see cref="System.Text.Json.Serialization.Metadata.JsonTypeInfo{T}"/>; objects read and written that lack
/// apiVersion/kind (the server strips them from list items; the package's models start without them) get them from the
/// descriptor.
/// </remarks>
public sealed class KubernetesClient : IKubernetesClient, IDisposable
{
    private const string JsonMediaType = "application/json";
    private readonly KubernetesTransport _transport;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _requestTimeout;
    private readonly Uri _baseUri;

    /// <summary>Creates a client for one API server.</summary>
    /// <param name="config">Server, TLS and credentials, e.g. from <see cref="Config.KubeConfig.LoadDefault"/> or
    /// KubernetesClient's <c>BuildConfigFromConfigFile</c>.</param>
    /// <param name="timeProvider">The clock for request timeouts; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="handlers">Handlers put in front of the package's HTTP handler (tests, proxies); the client disposes them.</param>
    /// <exception cref="k8s.Exceptions.KubeConfigException">The configuration has no usable host, or its client
    /// certificate or key is not valid PEM.</exception>
    public KubernetesClient(KubernetesClientConfiguration config, TimeProvider? timeProvider = null, params DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(config);
        _transport = new KubernetesTransport(config, handlers);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _requestTimeout = config.HttpClientTimeout;
        _baseUri = _transport.BaseUri;
        DefaultNamespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
    }

    /// <summary>The namespace of the configuration (the kubeconfig context's or the pod's).</summary>
    /// <value><c>default</c> when the configuration names none.</value>
    public string DefaultNamespace { get; }

    /// <inheritdoc />
    public async Task<T> GetAsync<T>(ResourceType<T> type, string? @namespace, string name, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        var path = type.Descriptor.Path(@namespace, name, subresource);
        return await SendForObjectAsync(type, HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<KubeList<T>> ListAsync<T>(ResourceType<T> type, string? @namespace, KubeListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        var query = new QueryBuilder()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("continue", options?.Continue)
            .Add("resourceVersion", options?.ResourceVersion);
        var path = type.Descriptor.Path(@namespace) + query;
        using var request = NewRequest(HttpMethod.Get, path, null);
        return await SendAsync(request, async (response, ct) =>
        {
            using var doc = await ReadJsonAsync(response, ct).ConfigureAwait(false);
            var root = doc.RootElement;
            var list = new KubeList<T>
            {
                ApiVersion = root.TryGetProperty("apiVersion", out var av) ? av.GetString() : null,
                Kind = root.TryGetProperty("kind", out var k) ? k.GetString() : null,
            };
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            {
                list.Metadata = meta.Deserialize(KubeJson.TypeInfo<V1ListMeta>()) ?? new V1ListMeta();
            }

            if (root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in items.EnumerateArray())
                {
                    list.Items.Add(Decode(type, item));
                }
            }

            return list;
        }, streaming: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<T> CreateAsync<T>(ResourceType<T> type, string? @namespace, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(value);
        var path = type.Descriptor.Path(@namespace) + WriteQuery(options);
        return SendForObjectAsync(type, HttpMethod.Post, path, Serialize(type, value, JsonMediaType), cancellationToken);
    }

    /// <inheritdoc />
    public Task<T> ReplaceAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(value);
        var path = type.Descriptor.Path(@namespace, name, options?.Subresource) + WriteQuery(options);
        return SendForObjectAsync(type, HttpMethod.Put, path, Serialize(type, value, JsonMediaType), cancellationToken);
    }

    /// <inheritdoc />
    public Task<T> PatchAsync<T>(ResourceType<T> type, string? @namespace, string name, JsonNode patch, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(patch);
        var path = type.Descriptor.Path(@namespace, name, options?.Subresource) + WriteQuery(options);
        var content = new StringContent(patch.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        return SendForObjectAsync(type, HttpMethod.Patch, path, content, cancellationToken);
    }

    /// <inheritdoc />
    public Task<T> ApplyAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.FieldManager);
        var query = new QueryBuilder()
            .Add("fieldManager", options.FieldManager)
            .Add("force", options.Force ? "true" : null)
            .Add("dryRun", options.DryRun ? "All" : null);
        var path = type.Descriptor.Path(@namespace, name, options.Subresource) + query;
        return SendForObjectAsync(type, HttpMethod.Patch, path, Serialize(type, value, "application/apply-patch+yaml"), cancellationToken);
    }

    /// <inheritdoc />
    public async Task DeleteAsync<T>(ResourceType<T> type, string? @namespace, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        var path = type.Descriptor.Path(@namespace, name);
        HttpContent? content = null;
        if (options is not null)
        {
            var body = new V1DeleteOptions
            {
                ApiVersion = "v1",
                Kind = "DeleteOptions",
                PropagationPolicy = options.PropagationPolicy?.ToString(),
                GracePeriodSeconds = options.GracePeriodSeconds,
                DryRun = options.DryRun ? ["All"] : null,
                Preconditions = options.PreconditionUid is null && options.PreconditionResourceVersion is null
                    ? null
                    : new V1Preconditions { Uid = options.PreconditionUid, ResourceVersion = options.PreconditionResourceVersion },
            };
            content = new StringContent(JsonSerializer.Serialize(body, KubeJson.TypeInfo<V1DeleteOptions>()), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        }

        using var request = NewRequest(HttpMethod.Delete, path, content);
        await SendAsync(request, static (_, _) => Task.FromResult(true), streaming: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? @namespace, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        options ??= new WatchOptions();
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var request = NewRequest(HttpMethod.Get, type.Descriptor.Path(@namespace) + query, null);
        using var response = await SendAsync(request, static (r, _) => Task.FromResult(r), streaming: true, cancellationToken).ConfigureAwait(false);
        Stream stream;
        try
        {
            stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw new KubernetesTransportException("The watch stream could not be opened.", e);
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            var line = await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            yield return ParseWatchEvent(type, line);
        }
    }

    /// <summary>Disposes the HTTP client, its handlers and certificates.</summary>
    public void Dispose() => _transport.Dispose();

    internal static WatchEvent<T> ParseWatchEvent<T>(ResourceType<T> type, string line)
        where T : class
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new KubernetesTransportException("The watch stream carried a line that is not JSON.", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            var typeText = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            var eventType = typeText switch
            {
                "ADDED" => WatchEventType.Added,
                "MODIFIED" => WatchEventType.Modified,
                "DELETED" => WatchEventType.Deleted,
                "BOOKMARK" => WatchEventType.Bookmark,
                "ERROR" => WatchEventType.Error,
                _ => throw new KubernetesTransportException($"Unknown watch event type \"{typeText}\"."),
            };
            if (!root.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
            {
                throw new KubernetesTransportException($"A {typeText} watch event has no object.");
            }

            if (eventType == WatchEventType.Error)
            {
                return new WatchEvent<T> { Type = eventType, Status = obj.Deserialize(KubeJson.TypeInfo<V1Status>()) };
            }

            string? rv = null, ns = null, name = null;
            if (obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            {
                rv = meta.TryGetProperty("resourceVersion", out var v) ? v.GetString() : null;
                ns = meta.TryGetProperty("namespace", out var n) ? n.GetString() : null;
                name = meta.TryGetProperty("name", out var nm) ? nm.GetString() : null;
            }

            return new WatchEvent<T>
            {
                Type = eventType,

                // A BOOKMARK carries only metadata.resourceVersion (Kubernetes API concepts, "Watch bookmarks"):
                // its object is not a whole T, and a T with required fields (a custom resource's spec) would not decode.
                Object = eventType == WatchEventType.Bookmark ? null : Decode(type, obj),
                ResourceVersion = rv,
                Namespace = ns,
                Name = name,
            };
        }
    }

    private static T Decode<T>(ResourceType<T> type, JsonElement element)
        where T : class
    {
        T? value;
        try
        {
            value = element.Deserialize(type.TypeInfo);
        }
        catch (JsonException e)
        {
            throw new KubernetesTransportException($"The server sent a {type.Descriptor.Kind} that does not decode.", e, isTransient: false);
        }

        switch (value)
        {
            case null:
                throw new KubernetesTransportException($"The server sent null instead of a {type.Descriptor.Kind}.", isTransient: false);
            case IKubernetesObject o:
                if (string.IsNullOrEmpty(o.ApiVersion))
                {
                    o.ApiVersion = type.Descriptor.ApiVersion;
                }

                if (string.IsNullOrEmpty(o.Kind))
                {
                    o.Kind = type.Descriptor.Kind;
                }

                break;
            case JsonObject j:
                if (!j.ContainsKey("apiVersion"))
                {
                    j["apiVersion"] = type.Descriptor.ApiVersion;
                }

                if (!j.ContainsKey("kind"))
                {
                    j["kind"] = type.Descriptor.Kind;
                }

                break;
        }

        return value;
    }

    private static StringContent Serialize<T>(ResourceType<T> type, T value, string mediaType)
        where T : class
    {
        // KubernetesClient's models leave apiVersion and kind unset; the API server wants both in a body.
        if (value is IKubernetesObject o)
        {
            o.ApiVersion = string.IsNullOrEmpty(o.ApiVersion) ? type.Descriptor.ApiVersion : o.ApiVersion;
            o.Kind = string.IsNullOrEmpty(o.Kind) ? type.Descriptor.Kind : o.Kind;
        }

        var content = new StringContent(JsonSerializer.Serialize(value, type.TypeInfo), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static QueryBuilder WriteQuery(WriteOptions? options) =>
        new QueryBuilder().Add("fieldManager", options?.FieldManager).Add("dryRun", options?.DryRun == true ? "All" : null);

    private async Task<T> SendForObjectAsync<T>(ResourceType<T> type, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
        where T : class
    {
        using var request = NewRequest(method, path, content);
        return await SendAsync(request, async (response, ct) =>
        {
            using var doc = await ReadJsonAsync(response, ct).ConfigureAwait(false);
            return Decode(type, doc.RootElement);
        }, streaming: false, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string pathAndQuery, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUri, pathAndQuery.TrimStart('/'))) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(JsonMediaType));
        return request;
    }

    private async Task<TResult> SendAsync<TResult>(
        HttpRequestMessage request,
        Func<HttpResponseMessage, CancellationToken, Task<TResult>> read,
        bool streaming,
        CancellationToken cancellationToken)
    {
        using var timeout = streaming ? null : new CancellationTokenSource(_requestTimeout, _timeProvider);
        using var linked = timeout is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var ct = linked.Token;
        HttpResponseMessage? response = null;
        try
        {
            response = await _transport.SendAsync(request, streaming, ct).ConfigureAwait(false);

            var result = await read(response, ct).ConfigureAwait(false);
            if (!ReferenceEquals(result, response))
            {
                response.Dispose();
            }

            return result;
        }
        catch (OperationCanceledException e) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new KubernetesTransportException(
                $"{request.Method} {request.RequestUri?.AbsolutePath} timed out after {_requestTimeout.TotalSeconds:0.#} s.", e);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            response?.Dispose();
            throw new KubernetesTransportException(
                $"{request.Method} {request.RequestUri?.AbsolutePath} failed: {e.Message}", e, isTransient: !IsCertificateFailure(e));
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new KubernetesTransportException("The server's response is not JSON.", e, isTransient: false);
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsIoFailure(e))
        {
            throw new KubernetesTransportException("The watch stream broke.", e);
        }
    }

    private static bool IsIoFailure(Exception e) => e is HttpRequestException or IOException;

    private static bool IsCertificateFailure(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }
        && e.InnerException is System.Security.Authentication.AuthenticationException;
}
