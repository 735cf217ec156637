namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The ATTRS structure of SFTP version 3 (draft-ietf-secsh-filexfer-02, section 5); absent fields are null.</summary>
internal sealed record SftpAttributes
{
    public const uint FlagSize = 0x1;
    public const uint FlagUidGid = 0x2;
    public const uint FlagPermissions = 0x4;
    public const uint FlagACModTime = 0x8;
    public const uint FlagExtended = 0x80000000;

    private const uint TypeMask = 0xF000; // S_IFMT
    private const uint TypeDirectory = 0x4000; // S_IFDIR
    private const uint TypeRegular = 0x8000; // S_IFREG
    private const uint TypeSymlink = 0xA000; // S_IFLNK

    public static SftpAttributes Empty { get; } = new();

    /// <summary>Size in bytes.</summary>
    public ulong? Size { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    /// <summary>st_mode: file type and permission bits.</summary>
    public uint? Permissions { get; init; }

    /// <summary>Access time, seconds since the Unix epoch.</summary>
    public uint? AccessTime { get; init; }

    /// <summary>Modification time, seconds since the Unix epoch.</summary>
    public uint? ModifiedTime { get; init; }

    public bool IsDirectory => (Permissions & TypeMask) == TypeDirectory;

    public bool IsRegularFile => (Permissions & TypeMask) == TypeRegular;

    public bool IsSymlink => (Permissions & TypeMask) == TypeSymlink;

    /// <summary>The permission bits (mask <c>0o7777</c>), or null.</summary>
    public int? Mode => Permissions is { } p ? (int)(p & 0xFFF) : null;

    public DateTimeOffset ModifiedTimeOffset =>
        DateTimeOffset.FromUnixTimeSeconds(ModifiedTime ?? 0);

    /// <summary>Attributes that set the permission bits and/or both times to <paramref name="modifiedTime"/>.</summary>
    public static SftpAttributes For(int? mode, DateTimeOffset? modifiedTime)
    {
        uint? t = modifiedTime is { } m ? (uint)Math.Clamp(m.ToUnixTimeSeconds(), 0, uint.MaxValue) : null;
        return new SftpAttributes
        {
            Permissions = mode is { } md ? (uint)(md & 0xFFF) : null,
            AccessTime = t,
            ModifiedTime = t,
        };
    }
}
