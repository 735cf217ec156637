using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Planning;

/// <summary>What the planner decided for one key.</summary>
public enum SyncActionKind
{
    /// <summary>Copy the source key to the destination (an object, a directory with <c>--dirs</c>, a link with <c>--links</c>).</summary>
    Copy,

    /// <summary>The destination is up to date (or the options say leave it).</summary>
    Skip,

    /// <summary>Compare contents and copy when they differ (<c>--check-all</c>).</summary>
    Check,

    /// <summary>Only the permission bits differ: set them (<c>--perms</c>).</summary>
    CopyPerms,

    /// <summary>The destination is up to date; delete the source key (<c>--delete-src</c>).</summary>
    DeleteSrc,

    /// <summary>Delete a destination key absent in the source (<c>--delete-dst</c>).</summary>
    DeleteDst,

    /// <summary>A destination key absent in the source, kept (no <c>--delete-dst</c>).</summary>
    Extra,

    /// <summary>
    /// <c>--update</c> needs the exact modification time of a side whose listing gave an approximate one
    /// (<see cref="ObjectEntry.ModifiedTimeIsExact"/>): the copy worker reads it with <c>HeadAsync</c> and decides then,
    /// so these HEADs run in parallel with the copies instead of inside the merge-join.
    /// </summary>
    Resolve,

    /// <summary>A source key left out by filters, size, age, time or limit.</summary>
    Exclude,
}
