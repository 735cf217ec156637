namespace Ferry.SyncRunner.Watching;

/// <summary>One changed path waiting to be applied.</summary>
/// <param name="Path">The key without a trailing <c>/</c> (a file, a link or a directory: events do not always say
/// which).</param>
/// <param name="Deep">Whether everything below <c>Path/</c> is looked at too: for a directory that appeared, moved or
/// was deleted, whose contents no event may have reported. Otherwise only <c>Path</c> and the directory entry
/// <c>Path/</c> itself.</param>
/// <param name="FirstSeen">When the first event about it since it was last applied arrived.</param>
/// <param name="LastSeen">When the latest event about it arrived.</param>
internal readonly record struct PendingChange(string Path, bool Deep, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
