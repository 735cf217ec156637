using System.Text.Json.Nodes;

namespace Ferry.ClusterSim.Storage;

/// <summary>One page of a list.</summary>
/// <param name="Items">The objects, in namespace/name order (deep copies).</param>
/// <param name="ResourceVersion">The list's resourceVersion.</param>
/// <param name="Continue">The token for the next page, or null on the last page.</param>
/// <param name="RemainingItemCount">How many objects follow this page, when paging.</param>
public sealed record ListResult(IReadOnlyList<JsonObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
