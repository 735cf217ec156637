namespace Ferry.Kube.Models;

/// <summary>The type of a watch event.</summary>
/// <remarks>Kubernetes API concepts, "Efficient detection of changes" and "Watch bookmarks".</remarks>
public enum WatchEventType
{
    /// <summary>An object was created (or is part of the initial state).</summary>
    Added,

    /// <summary>An object changed.</summary>
    Modified,

    /// <summary>An object was deleted; the event carries its last state.</summary>
    Deleted,

    /// <summary>Only the resourceVersion up to which the stream is complete; the object carries nothing else.</summary>
    Bookmark,

    /// <summary>The watch failed; the event carries a <see cref="Models.Status"/> (often 410 Expired/Gone).</summary>
    Error,
}
