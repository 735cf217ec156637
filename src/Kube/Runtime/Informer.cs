using System.Collections.Concurrent;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using KubernetesException = Ferry.Kube.Errors.KubernetesException;

namespace Ferry.Kube.Runtime;

/// <summary>Keeps a local, thread-safe cache of one kind's objects (in one namespace or all) up to date by listing and
/// then watching, and tells handlers what changed.</summary>
/// <typeparam name="T">The object type.</typeparam>
/// <remarks>
/// client-go's reflector + indexer + shared informer, reduced to what Ferry needs. The list is paged; the watch resumes
/// from the last resourceVersion seen (bookmarks included) when the server ends it; an <c>ERROR</c> event is passed to
/// <see cref="WatchError"/> and followed by a re-list (at once for 410 Gone/Expired, after a backoff otherwise); a
/// <c>410</c> answer to the watch request re-lists at once (after a backoff if the watch started from a list just
/// made, so a confused server is not hammered); connection trouble is retried with exponential backoff.
/// A re-list replaces the cache and reports the differences as adds, updates (changed resourceVersion) and deletes.
/// Handlers run on the informer's loop, one at a time; an exception in a handler is logged and ignored.
/// </remarks>
public sealed class Informer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IKubernetesClient _client;
    private readonly ResourceType<T> _type;
    private readonly string? _namespace;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _handlerGate = new(1, 1);
    private volatile string? _lastResourceVersion;

    /// <summary>Creates an informer; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="type">The kind to watch.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces / cluster-scoped kinds.</param>
    /// <param name="options">Selectors, timing and clock; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logger; default none.</param>
    public Informer(IKubernetesClient client, ResourceType<T> type, string? @namespace, InformerOptions? options = null, ILogger? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _type = type ?? throw new ArgumentNullException(nameof(type));
        _namespace = @namespace;
        _options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>An object appeared (from the initial list, a re-list or a watch event).</summary>
    public event Action<T>? Added;

    /// <summary>An object changed: old and new state (equal objects on a resync).</summary>
    public event Action<T, T>? Updated;

    /// <summary>An object was deleted; its last known state.</summary>
    public event Action<T>? Deleted;

    /// <summary>The watch delivered an <c>ERROR</c> event; the informer re-lists after reporting it.</summary>
    public event Action<V1Status>? WatchError;

    /// <summary>Whether the first list has been stored in the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompletedSuccessfully;

    /// <summary>The resourceVersion the cache is known to be current at.</summary>
    public string? LastSyncResourceVersion => _lastResourceVersion;

    /// <summary>Waits until <see cref="HasSynced"/>.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once the first list is cached.</returns>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>The cached object with this namespace and name.</summary>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped objects.</param>
    /// <param name="name">The name.</param>
    /// <returns>The object, or <see langword="null"/> if not cached. Treat it as read-only.</returns>
    public T? Get(string? @namespace, string name) => _cache.GetValueOrDefault(ObjectKey.Format(@namespace, name));

    /// <summary>A snapshot of every cached object.</summary>
    /// <returns>The objects, in no particular order. Treat them as read-only.</returns>
    public IReadOnlyList<T> List() => [.. _cache.Values];

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Stops the informer.</param>
    /// <returns>A task that completes when the informer has stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var time = _options.TimeProvider;
        var backoff = _options.InitialBackoff;
        var needList = true;
        Task resync = _options.ResyncPeriod is { } period ? ResyncLoopAsync(period, cancellationToken) : Task.CompletedTask;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var delay = TimeSpan.Zero;
                var justListed = false;
                try
                {
                    if (needList)
                    {
                        await RelistAsync(cancellationToken).ConfigureAwait(false);
                        needList = false;
                        justListed = true;
                    }

                    var started = time.GetTimestamp();
                    var (status, events) = await WatchAsync(cancellationToken).ConfigureAwait(false);
                    if (status is not null)
                    {
                        backoff = _options.InitialBackoff;
                        needList = true;
                        if (!IsGone(status))
                        {
                            delay = backoff;
                        }
                    }
                    else if (events == 0 && time.GetElapsedTime(started) < TimeSpan.FromSeconds(1))
                    {
                        // A watch the server closes at once without events: back off instead of spinning (client-go does the same).
                        delay = backoff;
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    }
                    else
                    {
                        backoff = _options.InitialBackoff;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (KubernetesApiException e) when (e.IsGone && !needList)
                {
                    _logger.LogInformation("Watch of {Kind} from resourceVersion {ResourceVersion} is too old; re-listing", _type.Descriptor.Kind, _lastResourceVersion);
                    needList = true;
                    if (justListed)
                    {
                        // Gone straight after a fresh list: do not hammer the server with list/watch pairs.
                        delay = backoff;
                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                    }
                }
                catch (Exception e) when (e is KubernetesException or TimeoutException)
                {
                    _logger.LogWarning(e, "List/watch of {Kind} failed; retrying in {Delay}", _type.Descriptor.Kind, backoff);
                    delay = backoff;
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
                }

                if (delay > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            await resync.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static bool IsGone(V1Status status) => status.Code == 410 || status.Reason is "Expired" or "Gone";

    private async Task RelistAsync(CancellationToken cancellationToken)
    {
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        string? continueToken = null;
        string? resourceVersion;
        do
        {
            var page = await _client.ListAsync(_type, _namespace, new KubeListOptions
            {
                LabelSelector = _options.LabelSelector,
                FieldSelector = _options.FieldSelector,
                Limit = _options.PageSize,
                Continue = continueToken,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                fresh[ObjectKey.Of(item)] = item;
            }

            resourceVersion = page.Metadata.ResourceVersion;
            continueToken = string.IsNullOrEmpty(page.Metadata.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (continueToken is not null);

        await _handlerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (key, old) in _cache)
            {
                if (!fresh.ContainsKey(key) && _cache.TryRemove(key, out _))
                {
                    Raise(() => Deleted?.Invoke(old));
                }
            }

            foreach (var (key, item) in fresh)
            {
                if (_cache.TryGetValue(key, out var old))
                {
                    _cache[key] = item;
                    if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
                    {
                        Raise(() => Updated?.Invoke(old, item));
                    }
                }
                else
                {
                    _cache[key] = item;
                    Raise(() => Added?.Invoke(item));
                }
            }

            _lastResourceVersion = resourceVersion;
        }
        finally
        {
            _handlerGate.Release();
        }

        _synced.TrySetResult();
    }

    /// <summary>Runs one watch; returns the ERROR status that ended it (or <see langword="null"/> when the server closed it)
    /// and the number of events received.</summary>
    private async Task<(V1Status? Error, int Events)> WatchAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        var options = new WatchOptions
        {
            ResourceVersion = _lastResourceVersion,
            LabelSelector = _options.LabelSelector,
            FieldSelector = _options.FieldSelector,
            AllowWatchBookmarks = true,
            TimeoutSeconds = _options.WatchTimeoutSeconds,
        };
        await foreach (var e in _client.WatchAsync(_type, _namespace, options, cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == WatchEventType.Error)
            {
                var status = e.Status ?? new V1Status { Code = 500, Reason = "InternalError", Message = "ERROR event without a Status" };
                _logger.LogInformation("Watch of {Kind} ended with ERROR {Code} {Reason}: {Message}", _type.Descriptor.Kind, status.Code, status.Reason, status.Message);
                Raise(() => WatchError?.Invoke(status));
                return (status, count);
            }

            count++;

            await _handlerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Apply(e);
            }
            finally
            {
                _handlerGate.Release();
            }
        }

        return (null, count);
    }

    private void Apply(WatchEvent<T> e)
    {
        if (e.Type != WatchEventType.Bookmark && e.Object is { } obj)
        {
            var key = ObjectKey.Of(obj);
            switch (e.Type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    if (_cache.TryGetValue(key, out var old))
                    {
                        _cache[key] = obj;
                        Raise(() => Updated?.Invoke(old, obj));
                    }
                    else
                    {
                        _cache[key] = obj;
                        Raise(() => Added?.Invoke(obj));
                    }

                    break;
                case WatchEventType.Deleted:
                    _cache.TryRemove(key, out var last);
                    Raise(() => Deleted?.Invoke(obj ?? last!));
                    break;
            }
        }

        if (!string.IsNullOrEmpty(e.ResourceVersion))
        {
            _lastResourceVersion = e.ResourceVersion;
        }
    }

    private async Task ResyncLoopAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(period, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            if (!HasSynced)
            {
                continue;
            }

            await _handlerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var item in _cache.Values)
                {
                    Raise(() => Updated?.Invoke(item, item));
                }
            }
            finally
            {
                _handlerGate.Release();
            }
        }
    }

    private void Raise(Action handler)
    {
        try
        {
            handler();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "An event handler of the {Kind} informer failed", _type.Descriptor.Kind);
        }
    }
}
