namespace Ferry.SyncRunner.Storage;

/// <summary>What <see cref="IObjectStorage.ListAsync"/> returns.</summary>
public sealed record ListOptions
{
    /// <summary>Only keys that start with this prefix. File-like stores do not list the directory that a prefix ending
    /// in <c>/</c> names, only what it holds (an object store lists a marker object of that name if there is one).
    /// <value>Default: <c>""</c>, every key.</value></summary>
    public string Prefix { get; init; } = "";

    /// <summary>First key of the half-open range, inclusive. <value>Default: <c>""</c>, from the beginning.</value></summary>
    public string Start { get; init; } = "";

    /// <summary>End of the half-open range, exclusive. <value>Default: <see langword="null"/>, unbounded.</value></summary>
    public string? End { get; init; }

    /// <summary>
    /// Whether to descend into sub-directories / past the next <c>/</c>. When <see langword="false"/>, the
    /// listing is one level deep like S3's delimiter <c>/</c>: sub-directories and common prefixes appear
    /// as directory entries (<c>"a/"</c>) without their contents. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool Recursive { get; init; } = true;

    /// <summary>
    /// Whether symbolic links are listed as links (<see cref="EntryKind.Symlink"/>) rather than followed.
    /// Links that are followed never lead outside the storage root. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool Links { get; init; }
}
