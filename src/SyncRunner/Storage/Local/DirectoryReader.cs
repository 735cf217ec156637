using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// Reads a directory's entries with their type, size, mode and modification time in two syscalls per entry's worth:
/// <c>getdents64(2)</c> for the names in 64 KiB batches and one <c>fstatat(2)</c> per name, relative to the open
/// directory (no walk of the whole path, no <c>FileInfo</c> per entry, no <c>geteuid</c> per entry as
/// <see cref="FileSystemInfo.Attributes"/> costs). Linux on x86-64 and arm64; elsewhere <see cref="IsSupported"/> is
/// <see langword="false"/> and the caller enumerates with <see cref="DirectoryInfo"/>.
/// </summary>
internal static partial class DirectoryReader
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;
    private const int SymlinkNoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const int NoSuchFile = 2; // ENOENT: removed between getdents and fstatat
    private const int Interrupted = 4; // EINTR
    private const int TypeMask = 0xF000; // S_IFMT
    private const int DirectoryType = 0x4000; // S_IFDIR
    private const int LinkType = 0xA000; // S_IFLNK

    /// <summary>O_DIRECTORY, which differs between architectures.</summary>
    private static readonly int DirectoryFlag = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>Offset of <c>st_mode</c> in <c>struct stat</c>: 24 on x86-64, 16 on arm64 (asm-generic); size and mtime are at 48 and 88 on both.</summary>
    private static readonly int ModeOffset = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? 16 : 24;

    /// <summary>Whether this platform reads directories here (64-bit Linux on x86-64 or arm64).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>One entry of a directory (<c>.</c> and <c>..</c> left out).</summary>
    /// <param name="Name">The name (UTF-8 decoded as .NET decodes file names).</param>
    /// <param name="Kind">Directory, symbolic link, or file (anything else: regular files, FIFOs, devices).</param>
    /// <param name="Size">The length in bytes (of the link itself for a link).</param>
    /// <param name="ModifiedTime">The modification time, to 100 ns (as <see cref="FileSystemInfo.LastWriteTimeUtc"/>).</param>
    /// <param name="Mode">The permission bits (<c>0o7777</c>).</param>
    public readonly record struct Entry(string Name, EntryKind Kind, long Size, DateTime ModifiedTime, int Mode);

    /// <summary>Reads every entry of <paramref name="directory"/>, in the order the file system returns them.</summary>
    /// <param name="directory">An absolute directory path.</param>
    /// <returns>The entries; one removed while it was read is left out.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    /// <exception cref="IOException">Reading failed otherwise.</exception>
    public static List<Entry> Read(string directory)
    {
        int fd;
        do
        {
            fd = open(directory, ReadOnly | DirectoryFlag | CloseOnExec, 0);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (fd < 0)
        {
            throw Error(directory, Marshal.GetLastPInvokeError());
        }

        var entries = new List<Entry>();
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        Span<byte> stat = stackalloc byte[256];
        try
        {
            while (true)
            {
                nint n = getdents64(fd, buffer, buffer.Length);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Interrupted)
                    {
                        continue;
                    }

                    throw Error(directory, errno);
                }

                if (n == 0)
                {
                    return entries;
                }

                for (int at = 0; at < n;)
                {
                    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated).
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(at + 16));
                    ReadOnlySpan<byte> raw = buffer.AsSpan(at + 19, length - 19);
                    ReadOnlySpan<byte> name = raw[..raw.IndexOf((byte)0)];
                    at += length;
                    if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                    {
                        continue;
                    }

                    if (fstatat(fd, name, stat, SymlinkNoFollow) != 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == NoSuchFile)
                        {
                            continue;
                        }

                        throw Error(directory + "/" + Encoding.UTF8.GetString(name), errno);
                    }

                    int mode = BinaryPrimitives.ReadInt32LittleEndian(stat[ModeOffset..]);
                    long size = BinaryPrimitives.ReadInt64LittleEndian(stat[48..]);
                    long seconds = BinaryPrimitives.ReadInt64LittleEndian(stat[88..]);
                    long nanoseconds = BinaryPrimitives.ReadInt64LittleEndian(stat[96..]);
                    EntryKind kind = (mode & TypeMask) switch
                    {
                        DirectoryType => EntryKind.Directory,
                        LinkType => EntryKind.Symlink,
                        _ => EntryKind.File,
                    };
                    var mtime = new DateTime(DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100), DateTimeKind.Utc);
                    entries.Add(new Entry(Encoding.UTF8.GetString(name), kind, kind == EntryKind.Directory ? 0 : size, mtime, mode & 0xFFF));
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            _ = close(fd);
        }
    }

    private static Exception Error(string path, int errno)
    {
        string message = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            NoSuchFile or 20 /* ENOTDIR */ => new DirectoryNotFoundException(message),
            1 or 13 /* EPERM, EACCES */ => new UnauthorizedAccessException(message),
            _ => new IOException(message, errno),
        };
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint getdents64(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true)]
    private static unsafe partial int fstatat(int dirfd, byte* name, byte* stat, int flags);

    private static unsafe int fstatat(int dirfd, ReadOnlySpan<byte> name, Span<byte> stat, int flags)
    {
        // The name must be NUL-terminated: copy it (names are at most 255 bytes).
        Span<byte> z = stackalloc byte[name.Length + 1];
        name.CopyTo(z);
        z[^1] = 0;
        fixed (byte* n = z)
        fixed (byte* s = stat)
        {
            return fstatat(dirfd, n, s, flags);
        }
    }
}
