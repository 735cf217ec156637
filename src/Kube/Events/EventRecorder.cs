using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using KubernetesException = Ferry.Kube.Errors.KubernetesException;

namespace Ferry.Kube.Events;

/// <summary>Writes core/v1 Events about objects, counting repeats of the same event on one Event object.</summary>
/// <remarks>
/// Follows client-go's record package in miniature: the Event is named <c>&lt;object name&gt;.&lt;hex unix nanoseconds&gt;</c> in
/// the object's namespace (<c>default</c> for cluster-scoped objects) and refers to the object by apiVersion, kind,
/// name, namespace, uid and resourceVersion; an identical event within the aggregation window increments
/// <c>count</c> and moves <c>lastTimestamp</c> with a merge patch. Events are best effort: failures are logged, never
/// thrown. Messages must not contain secrets; they are cut to 1024 characters.
/// </remarks>
public sealed class EventRecorder
{
    private const int MaxMessageLength = 1024;
    private readonly IKubernetesClient _client;
    private readonly EventRecorderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, (string Namespace, string Name, int Count, DateTimeOffset Last)> _recent = new(StringComparer.Ordinal);
    private long _lastNanos;

    /// <summary>Creates a recorder.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">Component, instance, aggregation window and clock.</param>
    /// <param name="logger">Logger; default none.</param>
    public EventRecorder(IKubernetesClient client, EventRecorderOptions options, ILogger? logger = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Records a <c>Normal</c> event.</summary>
    /// <param name="involved">The object the event is about (needs metadata.name; uid recommended).</param>
    /// <param name="reason">Short CamelCase reason, e.g. <c>Started</c>.</param>
    /// <param name="message">Human-readable text without secrets.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the event was written or given up on.</returns>
    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(involved, "Normal", reason, message, cancellationToken);

    /// <summary>Records a <c>Warning</c> event.</summary>
    /// <param name="involved">The object the event is about.</param>
    /// <param name="reason">Short CamelCase reason, e.g. <c>BackoffLimitExceeded</c>.</param>
    /// <param name="message">Human-readable text without secrets.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the event was written or given up on.</returns>
    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(involved, "Warning", reason, message, cancellationToken);

    /// <summary>Records an event of any type.</summary>
    /// <param name="involved">The object the event is about.</param>
    /// <param name="type"><c>Normal</c> or <c>Warning</c>.</param>
    /// <param name="reason">Short CamelCase reason.</param>
    /// <param name="message">Human-readable text without secrets.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the event was written or given up on.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(involved);
        var name = involved.Metadata.Name ?? throw new ArgumentException("The involved object has no name.", nameof(involved));
        var ns = string.IsNullOrEmpty(involved.Metadata.NamespaceProperty) ? "default" : involved.Metadata.NamespaceProperty;
        if (message.Length > MaxMessageLength)
        {
            message = message[..(MaxMessageLength - 3)] + "...";
        }

        var now = _options.TimeProvider.GetUtcNow();
        var key = string.Join('\0', involved.Kind, involved.Metadata.NamespaceProperty, name, involved.Metadata.Uid, type, reason, message);
        try
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.Last < _options.AggregationWindow)
            {
                var count = seen.Count + 1;
                var patch = new JsonObject
                {
                    ["count"] = count,
                    ["lastTimestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                };
                try
                {
                    await _client.PatchAsync(KubeResources.Events, seen.Namespace, seen.Name, patch, null, cancellationToken).ConfigureAwait(false);
                    _recent[key] = (seen.Namespace, seen.Name, count, now);
                    return;
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    // The Event expired (events have a TTL); create a fresh one below.
                }
            }

            var eventName = $"{name}.{UniqueNanoseconds(now):x}";
            var value = new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = eventName, NamespaceProperty = ns },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = involved.ApiVersion,
                    Kind = involved.Kind,
                    Name = name,
                    NamespaceProperty = involved.Metadata.NamespaceProperty,
                    Uid = involved.Metadata.Uid,
                    ResourceVersion = involved.Metadata.ResourceVersion,
                },
                Type = type,
                Reason = reason,
                Message = message,
                Count = 1,
                FirstTimestamp = WholeSeconds(now),
                LastTimestamp = WholeSeconds(now),
                Source = new V1EventSource { Component = _options.Component },
                ReportingComponent = _options.Component,
                ReportingInstance = _options.Instance,
            };
            await _client.CreateAsync(KubeResources.Events, ns, value, null, cancellationToken).ConfigureAwait(false);
            _recent[key] = (ns, eventName, 1, now);
            Prune(now);
        }
        catch (KubernetesException e)
        {
            _logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Name}", reason, involved.Kind, name);
        }
    }

    /// <summary>Unix nanoseconds of <paramref name="now"/>, made strictly increasing per recorder so that two events
    /// recorded within one clock tick (or on a clock that stands still) never get the same name.</summary>
    private long UniqueNanoseconds(DateTimeOffset now)
    {
        var nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        while (true)
        {
            var last = Interlocked.Read(ref _lastNanos);
            var next = nanos > last ? nanos : last + 1;
            if (Interlocked.CompareExchange(ref _lastNanos, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>metav1.Time has whole seconds (Kubernetes API conventions); the server would drop the fraction anyway.</summary>
    private static DateTime WholeSeconds(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private void Prune(DateTimeOffset now)
    {
        if (_recent.Count < 4096)
        {
            return;
        }

        foreach (var (key, value) in _recent)
        {
            if (now - value.Last >= _options.AggregationWindow)
            {
                _recent.TryRemove(key, out _);
            }
        }
    }
}
