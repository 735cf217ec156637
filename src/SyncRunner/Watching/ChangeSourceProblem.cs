namespace Ferry.SyncRunner.Watching;

/// <summary>What can go wrong with a change source: every one of them means changes may have been missed.</summary>
internal enum ChangeSourceProblemKind
{
    /// <summary>The kernel's event queue overflowed (inotify <c>IN_Q_OVERFLOW</c>), or more changes were pending than
    /// Ferry holds: events were lost. The source is restarted and a full sync follows.</summary>
    Overflow,

    /// <summary>A directory could not be watched because the inotify watch limit is reached (<c>ENOSPC</c>): changes
    /// below it are not reported. Full syncs repeat every <c>--watch-interval</c> from then on.</summary>
    WatchLimit,

    /// <summary>Any other error of the watcher: it is restarted and a full sync follows.</summary>
    Error,
}

/// <summary>A problem a change source reported.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Message">For people: what, and what to do (no secrets).</param>
internal sealed record ChangeSourceProblem(ChangeSourceProblemKind Kind, string Message);
