using k8s;
using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>One event of a watch stream.</summary>
/// <typeparam name="T">The watched object type.</typeparam>
/// <remarks>On the wire each event is one JSON line <c>{"type":"ADDED","object":{…}}</c>; the client decodes the
/// object with the caller's type information, and an <c>ERROR</c> object as <see cref="V1Status"/> (Kubernetes API
/// concepts, "Efficient detection of changes": a 410 Gone arrives this way, as an event, not as an HTTP error).</remarks>
public sealed class WatchEvent<T>
    where T : class
{
    /// <summary>What happened.</summary>
    public required WatchEventType Type { get; init; }

    /// <summary>The object; <see langword="null"/> for <see cref="WatchEventType.Error"/> and <see cref="WatchEventType.Bookmark"/> (whose object carries only <c>metadata.resourceVersion</c>: read <see cref="ResourceVersion"/>).</summary>
    /// <value><see langword="null"/> for errors and bookmarks.</value>
    public T? Object { get; init; }

    /// <summary>The failure, for <see cref="WatchEventType.Error"/> events only.</summary>
    /// <value><see langword="null"/> for every other type.</value>
    public V1Status? Status { get; init; }

    /// <summary>The object's <c>metadata.resourceVersion</c> as read from the wire (set for bookmarks too).</summary>
    /// <value><see langword="null"/> when absent.</value>
    public string? ResourceVersion { get; init; }

    /// <summary>The object's <c>metadata.namespace</c> as read from the wire.</summary>
    /// <value><see langword="null"/> when absent.</value>
    public string? Namespace { get; init; }

    /// <summary>The object's <c>metadata.name</c> as read from the wire.</summary>
    /// <value><see langword="null"/> when absent.</value>
    public string? Name { get; init; }
}
