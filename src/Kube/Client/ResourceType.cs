using System.Text.Json.Serialization.Metadata;

namespace Ferry.Kube.Client;

/// <summary>A kind's REST location together with the source-generated JSON metadata of its .NET type.</summary>
/// <typeparam name="T">The object type, e.g. <see cref="k8s.Models.V1Job"/>, or <see cref="System.Text.Json.Nodes.JsonObject"/> for untyped use.</typeparam>
/// <param name="Descriptor">Group, version, plural, kind and scope.</param>
/// <param name="TypeInfo">How to read and write <typeparamref name="T"/>; any <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> may supply it.</param>
/// <remarks>Ferry.Api declares <c>new ResourceType&lt;SyncJob&gt;(descriptor, ApiJsonContext.Default.SyncJob)</c>; the client
/// needs nothing else to serve the type (lists and watch events are decoded item by item).</remarks>
public sealed record ResourceType<T>(ResourceDescriptor Descriptor, JsonTypeInfo<T> TypeInfo)
    where T : class;
