namespace Ferry.Operator.ReplicaMirrors;

/// <summary>What the operator found wrong with a ReplicaMirror's spec and references: a problem of the mirror as a
/// whole (no destination runs) and problems of single destinations (only those do not run).</summary>
/// <param name="Mirror">The mirror-wide problem (an unparsable schedule, a missing source Secret...), or
/// <see langword="null"/>.</param>
/// <param name="Destinations">Problems by destination name.</param>
internal sealed record MirrorValidity(MirrorProblem? Mirror, IReadOnlyDictionary<string, MirrorProblem> Destinations)
{
    /// <summary>Nothing wrong.</summary>
    public static MirrorValidity Valid { get; } = new(null, new Dictionary<string, MirrorProblem>(StringComparer.Ordinal));

    /// <summary>The keys of each Secret the valid destinations refer to (for a continuous mirror's watcher pod).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> SecretKeys { get; init; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);

    /// <summary>Whether nothing is wrong.</summary>
    public bool IsValid => Mirror is null && Destinations.Count == 0;
}
