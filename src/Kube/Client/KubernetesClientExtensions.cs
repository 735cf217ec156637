using k8s;
using k8s.Models;
using System.Text.Json.Nodes;
using Ferry.Kube.Errors;

namespace Ferry.Kube.Client;

/// <summary>Conveniences over <see cref="IKubernetesClient"/>: the <c>status</c> subresource, not-found as null, and
/// listing every page.</summary>
public static class KubernetesClientExtensions
{
    /// <summary>Reads the object through its <c>status</c> subresource.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind; it must have the status subresource.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object.</returns>
    public static Task<T> GetStatusAsync<T>(this IKubernetesClient client, ResourceType<T> type, string? @namespace, string name, CancellationToken cancellationToken = default)
        where T : class =>
        client.GetAsync(type, @namespace, name, "status", cancellationToken);

    /// <summary>Replaces the object's status (<c>PUT …/status</c>); the server ignores spec changes there.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="value">The object with the new status and the resourceVersion it was read at.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored.</returns>
    public static Task<T> ReplaceStatusAsync<T>(this IKubernetesClient client, ResourceType<T> type, string? @namespace, string name, T value, CancellationToken cancellationToken = default)
        where T : class =>
        client.ReplaceAsync(type, @namespace, name, value, new WriteOptions { Subresource = "status" }, cancellationToken);

    /// <summary>Merge-patches the object's status (<c>PATCH …/status</c>).</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="patch">A merge patch such as <c>{"status":{"phase":"Running"}}</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object as stored.</returns>
    public static Task<T> PatchStatusAsync<T>(this IKubernetesClient client, ResourceType<T> type, string? @namespace, string name, JsonNode patch, CancellationToken cancellationToken = default)
        where T : class =>
        client.PatchAsync(type, @namespace, name, patch, new WriteOptions { Subresource = "status" }, cancellationToken);

    /// <summary>Reads an object, or returns <see langword="null"/> when it does not exist (404).</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for cluster-scoped kinds.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    public static async Task<T?> TryGetAsync<T>(this IKubernetesClient client, ResourceType<T> type, string? @namespace, string name, CancellationToken cancellationToken = default)
        where T : class
    {
        try
        {
            return await client.GetAsync(type, @namespace, name, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Deletes <paramref name="value"/> with propagation <c>Background</c> and its uid as precondition, so that a
    /// new object that took the name meanwhile is left alone; an object already gone is no error.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind.</param>
    /// <param name="value">The object as read (namespace, name and uid are used).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the deletion was accepted, or the object was found gone or replaced.</returns>
    /// <exception cref="KubernetesApiException">Any other error <c>Status</c>.</exception>
    public static async Task DeleteIfSameAsync<T>(this IKubernetesClient client, ResourceType<T> type, T value, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            await client.DeleteAsync(type, value.Metadata.NamespaceProperty, value.Metadata.Name!,
                new DeleteOptions { PropagationPolicy = PropagationPolicy.Background, PreconditionUid = value.Metadata.Uid }, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Gone already, or the name belongs to a new object now.
        }
    }

    /// <summary>Lists every page (following continue tokens) into one list.</summary>
    /// <typeparam name="T">The object type.</typeparam>
    /// <param name="client">The client.</param>
    /// <param name="type">The kind.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for all.</param>
    /// <param name="labelSelector">A label selector, or <see langword="null"/>.</param>
    /// <param name="pageSize">Items per request.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>All items, with the first page's resourceVersion.</returns>
    /// <exception cref="KubernetesApiException">With <c>IsGone</c> when a continue token expired; list again.</exception>
    public static async Task<KubeList<T>> ListAllAsync<T>(this IKubernetesClient client, ResourceType<T> type, string? @namespace, string? labelSelector = null, int pageSize = 500, CancellationToken cancellationToken = default)
        where T : class
    {
        KubeList<T>? all = null;
        string? token = null;
        do
        {
            var page = await client.ListAsync(type, @namespace, new KubeListOptions { LabelSelector = labelSelector, Limit = pageSize, Continue = token }, cancellationToken)
                .ConfigureAwait(false);
            if (all is null)
            {
                all = page;
            }
            else
            {
                all.Items.AddRange(page.Items);
            }

            token = string.IsNullOrEmpty(page.Metadata.ContinueProperty) ? null : page.Metadata.ContinueProperty;
        }
        while (token is not null);

        all.Metadata.ContinueProperty = null;
        return all;
    }
}
