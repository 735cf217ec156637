using System.Text.Json.Nodes;
using k8s.Models;

namespace Ferry.Kube.Client;

/// <summary>The Kubernetes REST operations Ferry uses, for any kind described by a <see cref="ResourceType{T}"/>.</summary>
/// <remarks>
/// <para>Kept small on purpose: the operator, the runner's Lease queue and their tests read the same whatever the
/// transport, and every kind (KubernetesClient's models and Ferry's custom resources) goes through the same typed
/// calls. <see cref="KubernetesClient"/> implements it on the KubernetesClient package. Cluster-scoped kinds take a
/// <see langword="null"/> namespace.</para>
/// <para>Every method throws <see cref="Errors.KubernetesApiException"/> when the server answers with an error
/// <c>Status</c> and <see cref="Errors.KubernetesTransportException"/> when no answer arrives (including the
/// request timeout); <see cref="OperationCanceledException"/> when the caller's token is cancelled.</para>
/// </remarks>
public interface IKubernetesClient
{
    /// <summary>Reads one object (<c>GET</c>), or its subresource.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="subresource">E.g. <c>status</c>, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (404 NotFound when absent).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<T> GetAsync<T>(ResourceType<T> type, string? @namespace, string name, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Lists objects (one page when <see cref="KubeListOptions.Limit"/> is set).</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces / cluster-scoped kinds.</param>
    /// <param name="options">Selectors and paging; <see langword="null"/> for everything.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The items and the list's resourceVersion and continue token.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (410 Expired when a continue token is too old).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<KubeList<T>> ListAsync<T>(ResourceType<T> type, string? @namespace, KubeListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Creates an object (<c>POST</c>); fails with 409 AlreadyExists when the name is taken.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="value">The object to create.</param>
    /// <param name="options">Field manager and dry-run.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored (with uid, resourceVersion, defaults).</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (409 AlreadyExists, 422 Invalid).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<T> CreateAsync<T>(ResourceType<T> type, string? @namespace, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Replaces an object or its subresource (<c>PUT</c>); the body's <c>metadata.resourceVersion</c>, when set,
    /// must still be current or the server answers 409 Conflict.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="value">The whole new object.</param>
    /// <param name="options">Field manager, dry-run and subresource (<c>status</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (409 Conflict on a stale resourceVersion, 422 Invalid).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<T> ReplaceAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Applies a JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>): objects merge, <c>null</c>
    /// removes a field, arrays are replaced whole.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="patch">The patch document; include <c>metadata.resourceVersion</c> to make it conditional.</param>
    /// <param name="options">Field manager, dry-run and subresource (<c>status</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (404, 409 Conflict, 422 Invalid).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<T> PatchAsync<T>(ResourceType<T> type, string? @namespace, string name, JsonNode patch, WriteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Server-side apply: sends <paramref name="value"/> as the field manager's intent
    /// (<c>application/apply-patch+yaml</c>; JSON is valid YAML), creating the object if absent.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="value">The fields this manager owns; must carry apiVersion, kind and metadata.name.</param>
    /// <param name="options">Field manager, force, dry-run and subresource.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (409 Conflict with another manager unless forced, 422 Invalid).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task<T> ApplyAsync<T>(ResourceType<T> type, string? @namespace, string name, T value, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Deletes an object (<c>DELETE</c>). With finalizers the object stays, with deletionTimestamp set, until
    /// they are removed.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="options">Propagation policy, grace period and preconditions.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server accepted the deletion.</returns>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> (404 NotFound, 409 Conflict when a precondition fails).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout.</exception>
    Task DeleteAsync<T>(ResourceType<T> type, string? @namespace, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;

    /// <summary>Opens one watch stream and yields its events until the server ends it or the token is cancelled.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all namespaces / cluster-scoped kinds.</param>
    /// <param name="options">Start resourceVersion, selectors, bookmarks, server timeout.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The events in order. An <c>ERROR</c> event is yielded (with its <see cref="V1Status"/>), not thrown; a
    /// 410 at connect time throws <see cref="Errors.KubernetesApiException"/> with <c>IsGone</c>.</returns>
    /// <remarks>No request timeout applies. Resumption, re-listing and backoff are the caller's; <see cref="Runtime.Informer{T}"/> does all three.</remarks>
    /// <exception cref="Errors.KubernetesApiException">The server answered with an error <c>Status</c> at connect (410 Expired for a too-old resourceVersion).</exception>
    /// <exception cref="Errors.KubernetesTransportException">No answer: connection or TLS failure, or the request timeout (a broken stream while reading).</exception>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? @namespace, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class;
}
