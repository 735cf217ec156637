namespace Ferry.ClusterSim.Storage;

/// <summary>The options of a delete request.</summary>
/// <param name="PropagationPolicy"><c>Background</c>, <c>Foreground</c>, <c>Orphan</c>, or null for the kind's default
/// (Orphan for batch/v1 Jobs, Background otherwise).</param>
/// <param name="PreconditionUid">When set, the object's uid must match or the delete is a 409 Conflict.</param>
/// <param name="PreconditionResourceVersion">When set, the object's resourceVersion must match or 409 Conflict.</param>
/// <param name="DryRun">Validate only; change nothing.</param>
public sealed record DeleteOptions(string? PropagationPolicy = null, string? PreconditionUid = null,
    string? PreconditionResourceVersion = null, bool DryRun = false);
