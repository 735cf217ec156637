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

    /// <summary>A source key left out by filters, size, age, time or limit.</summary>
    Exclude,
}
