using Ferry.ClusterSim.Resources;

namespace Ferry.ClusterSim.FieldManagement;

/// <summary>Who writes which part of an object, for <see cref="FieldManager"/>.</summary>
/// <param name="Type">The kind written.</param>
/// <param name="Root">The field type of its objects.</param>
/// <param name="Manager">The field manager: the <c>fieldManager</c> parameter, else the User-Agent up to its first
/// <c>/</c>.</param>
/// <param name="ApiVersion">The API version of the request, e.g. <c>apps/v1</c>.</param>
/// <param name="Subresource"><c>status</c> for a write through <c>/status</c>, else null.</param>
internal sealed record FieldWriter(ResourceType Type, FieldType Root, string Manager, string ApiVersion, string? Subresource);
