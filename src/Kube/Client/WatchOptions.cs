namespace Ferry.Kube.Client;

/// <summary>Query options of a watch request.</summary>
/// <remarks>Kubernetes API concepts, "Efficient detection of changes" and "Watch bookmarks".</remarks>
public sealed class WatchOptions
{
    /// <summary>Start after this resourceVersion (usually a list's or the last seen event's).</summary>
    /// <value>Default <see langword="null"/>: start with synthetic ADDED events for the current state.</value>
    public string? ResourceVersion { get; init; }

    /// <summary>A label selector.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? FieldSelector { get; init; }

    /// <summary>Ask for BOOKMARK events so a resumed watch starts from a recent resourceVersion.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>Seconds after which the server ends the watch; the stream then simply ends.</summary>
    /// <value>Default <see langword="null"/>: the server's own timeout (minutes).</value>
    public int? TimeoutSeconds { get; init; }
}
