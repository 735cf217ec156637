namespace Ferry.SyncRunner.Storage;

/// <summary>What a key names.</summary>
public enum EntryKind
{
    /// <summary>A regular file or an object.</summary>
    File,

    /// <summary>A directory; its key ends in <c>/</c>.</summary>
    Directory,

    /// <summary>A symbolic link (listed as itself only when the store keeps links and <c>--links</c> is set).</summary>
    Symlink,
}
