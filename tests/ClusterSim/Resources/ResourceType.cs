namespace Ferry.ClusterSim.Resources;

/// <summary>A kind the simulator serves: names, scope and served versions.</summary>
/// <remarks>The simulator stores one copy of each object regardless of version (conversion strategy
/// <c>None</c>: only <c>apiVersion</c> changes between versions).</remarks>
public sealed class ResourceType
{
    /// <summary>The API group; empty for the core group.</summary>
    public required string Group { get; init; }

    /// <summary>The kind, e.g. <c>SyncJob</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The plural resource name used in paths, e.g. <c>syncjobs</c>.</summary>
    public required string Plural { get; init; }

    /// <summary>The lower-case singular name, e.g. <c>syncjob</c>.</summary>
    public required string Singular { get; init; }

    /// <summary>Short names for kubectl, e.g. <c>sj</c>.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Categories, e.g. <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Whether objects live in a namespace.</summary>
    public required bool Namespaced { get; init; }

    /// <summary>Served versions, the storage (preferred) version first.</summary>
    public required IReadOnlyList<ResourceVersion> Versions { get; init; }

    /// <summary>The verbs served, or null for all of them (create, delete, deletecollection, get, list, patch, update,
    /// watch); the review kinds are create-only and never stored.</summary>
    public IReadOnlyList<string>? Verbs { get; init; }

    /// <summary>Whether objects of this kind are answered, not stored (the authorization and authentication reviews).</summary>
    public bool IsReview => Verbs is ["create"];

    /// <summary>Whether this kind comes from a CustomResourceDefinition.</summary>
    public bool IsCustom { get; init; }

    /// <summary>The list kind, e.g. <c>SyncJobList</c>.</summary>
    public string ListKind => Kind + "List";

    /// <summary><c>plural.group</c>, or the plural for the core group: the name used in error messages.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The storage version.</summary>
    public ResourceVersion StorageVersion => Versions[0];

    /// <summary>The served version named <paramref name="version"/>, or <see langword="null"/>.</summary>
    public ResourceVersion? FindVersion(string version) => Versions.FirstOrDefault(v => v.Name == version);

    /// <summary>The <c>apiVersion</c> string for <paramref name="version"/>.</summary>
    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    /// <summary>Whether any version serves the status subresource.</summary>
    public bool HasStatus => Versions.Any(v => v.StatusSubresource);

    /// <summary>A key identifying the type in the store: <c>group/plural</c>.</summary>
    public string Key => $"{Group}/{Plural}";

    /// <inheritdoc/>
    public override string ToString() => QualifiedPlural;
}
