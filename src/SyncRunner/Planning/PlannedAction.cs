using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Planning;

/// <summary>The planner's decision for one key of the merge-join.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Key">The key, relative to both roots; a directory key ends in <c>/</c>.</param>
/// <param name="Source">The source entry, or <see langword="null"/> when the key exists only in the destination.</param>
/// <param name="Destination">The destination entry, or <see langword="null"/> when the key is missing there.</param>
public sealed record PlannedAction(SyncActionKind Kind, string Key, ObjectEntry? Source, ObjectEntry? Destination);
