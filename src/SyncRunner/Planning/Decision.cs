using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Planning;

/// <summary>The per-key decision of juicefs sync for a source key and its destination counterpart.</summary>
/// <remarks>
/// The juicefs sync guide, "增量同步与全量同步": a missing key is copied; an existing one only when the
/// sizes differ; <c>--update</c> copies when the source mtime (whole seconds) is newer and skips when it is
/// older, ignoring sizes; <c>--force-update</c> always copies; <c>--check-all</c> compares content of keys
/// that look equal. <c>--existing</c> creates nothing new, <c>--ignore-existing</c> updates nothing.
/// Order of the tests follows juicefs <c>pkg/sync/sync.go</c>: <c>--delete-src</c> (and <c>--delete-src-after</c>) turn
/// "looks equal" into <see cref="SyncActionKind.DeleteSrc"/>, after the <c>--update</c> and <c>--check-all</c> tests.
/// </remarks>
public static class Decision
{
    /// <summary>Decides what to do with <paramref name="source"/> given the destination entry.</summary>
    /// <param name="source">The source entry.</param>
    /// <param name="destination">The destination entry with the same key, or <see langword="null"/>.</param>
    /// <param name="options">The sync options.</param>
    /// <returns><see cref="SyncActionKind.Copy"/>, <see cref="SyncActionKind.Skip"/>, <see cref="SyncActionKind.Check"/>,
    /// <see cref="SyncActionKind.CopyPerms"/>, <see cref="SyncActionKind.DeleteSrc"/>, or <see cref="SyncActionKind.Resolve"/>
    /// when <c>--update</c> must compare a modification time the listing only approximated.</returns>
    public static SyncActionKind Decide(ObjectEntry source, ObjectEntry? destination, SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        if (destination is null)
        {
            return options.Existing ? SyncActionKind.Skip : SyncActionKind.Copy;
        }

        if (options.IgnoreExisting)
        {
            return SyncActionKind.Skip;
        }

        if (source.Kind == EntryKind.Directory)
        {
            if (destination.Kind != EntryKind.Directory)
            {
                return SyncActionKind.Copy;
            }

            if (options.DeletesEqualSource)
            {
                return SyncActionKind.DeleteSrc;
            }

            return options.Perms && source.Mode is { } m && destination.Mode != m ? SyncActionKind.CopyPerms : SyncActionKind.Skip;
        }

        if (source.Kind == EntryKind.Symlink || destination.Kind == EntryKind.Symlink)
        {
            bool same = source.Kind == destination.Kind && source.LinkTarget == destination.LinkTarget;
            return same && !options.ForceUpdate ? (options.DeletesEqualSource ? SyncActionKind.DeleteSrc : SyncActionKind.Skip) : SyncActionKind.Copy;
        }

        if (destination.Kind == EntryKind.Directory)
        {
            return SyncActionKind.Copy;
        }

        if (options.Update && !options.ForceUpdate && (!source.ModifiedTimeIsExact || !destination.ModifiedTimeIsExact))
        {
            return SyncActionKind.Resolve;
        }

        long srcSeconds = source.ModifiedTime.ToUnixTimeSeconds();
        long dstSeconds = destination.ModifiedTime.ToUnixTimeSeconds();
        if (options.ForceUpdate
            || (options.Update && srcSeconds > dstSeconds)
            || (!options.Update && source.Size != destination.Size))
        {
            return SyncActionKind.Copy;
        }

        if (options.Update && srcSeconds < dstSeconds)
        {
            return SyncActionKind.Skip;
        }

        if (options.CheckAll)
        {
            return SyncActionKind.Check;
        }

        if (options.DeletesEqualSource)
        {
            return SyncActionKind.DeleteSrc;
        }

        if (options.Perms && source.Mode is { } mode && destination.Mode is { } dstMode && (mode & 0xFFF) != (dstMode & 0xFFF))
        {
            return SyncActionKind.CopyPerms;
        }

        return SyncActionKind.Skip;
    }
}
