namespace Ferry.SyncRunner.Storage.Walk;

/// <summary>One entry of a directory as a file-like backend reads it for <see cref="SortedTreeWalk"/>.</summary>
/// <param name="Entry">The entry; a directory's key ends in <c>/</c>.</param>
/// <param name="RealPath">For a directory the walk may descend into, its canonical path on the backend (no symbolic
/// link on the way, no trailing <c>/</c> except the root <c>/</c>); <see langword="null"/> for anything else.</param>
/// <param name="FollowedLink">Whether the directory was reached through a symbolic link: one that cannot be read is
/// left out rather than failing the listing.</param>
internal readonly record struct TreeEntry(ObjectEntry Entry, string? RealPath = null, bool FollowedLink = false);
