using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// Files created without a name (Linux <c>open(2)</c> with <c>O_TMPFILE</c>) and named once complete with
/// <c>linkat(2)</c> through <c>/proc/self/fd</c>: nothing is visible under any name until the file is whole, and a
/// process killed meanwhile leaves nothing behind (the kernel frees the unnamed inode).
/// </summary>
/// <remarks>
/// It is also cheaper than a temporary name and a rename: the directory is changed once instead of three times
/// (create, rename in, rename out), and the inode is allocated without holding the directory's lock, which many
/// threads creating files in one directory otherwise contend for (10 threads creating 10,000 small files: about half
/// the kernel CPU time of temporary name + rename on ext4; bench/RESULTS-s3.md).
/// </remarks>
internal static partial class UnnamedFile
{
    private const int WriteOnly = 0x1; // O_WRONLY
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int AtCurrentDirectory = -100; // AT_FDCWD
    private const int FollowSymlink = 0x400; // AT_SYMLINK_FOLLOW: link what /proc/self/fd/N points to
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: link the file fd refers to
    private const int NoSuchFile = 2; // ENOENT: AT_EMPTY_PATH refused (no CAP_DAC_READ_SEARCH, kernel before 6.10)
    private const int NotPermitted = 1; // EPERM
    private const int Exists = 17; // EEXIST
    private const int IsDirectory = 21; // EISDIR: a kernel older than 3.11 (no O_TMPFILE)
    private const int Invalid = 22; // EINVAL
    private const int NotSupported = 95; // EOPNOTSUPP: the file system has no O_TMPFILE

    /// <summary>Whether <c>linkat</c> with <c>AT_EMPTY_PATH</c> has worked so far (cleared at its first refusal).</summary>
    private static volatile bool s_emptyPath = true;

    /// <summary>Whether this platform may have it (Linux with <c>/proc</c> mounted); a file system may still refuse.</summary>
    public static bool MayWork { get; } = OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    /// <summary><c>O_TMPFILE</c> (<c>__O_TMPFILE | O_DIRECTORY</c>); O_DIRECTORY differs between architectures.</summary>
    private static readonly int TmpFile = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x404000 : 0x410000;

    /// <summary>Creates an unnamed file in <paramref name="directory"/>, open for writing, with <paramref name="mode"/> less the umask.</summary>
    /// <param name="directory">The directory the file will be named in.</param>
    /// <param name="mode">Permission bits (the umask applies). <value>Default: 0666.</value></param>
    /// <returns>The open file, or <see langword="null"/> when the kernel or file system cannot create unnamed files.</returns>
    /// <exception cref="IOException">The directory refused it for another reason (permissions, space, missing).</exception>
    public static SafeFileHandle? TryCreate(string directory, int mode = 0x1B6)
    {
        int fd = open(directory, TmpFile | WriteOnly | CloseOnExec, mode & 0x1FF);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno is NotSupported or IsDirectory or Invalid)
        {
            return null;
        }

        throw new IOException($"create a file in {directory}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Gives an unnamed file the name <paramref name="path"/>.</summary>
    /// <returns><see langword="false"/> when <paramref name="path"/> exists already (nothing changed).</returns>
    /// <exception cref="IOException">The link failed otherwise.</exception>
    public static bool TryLink(SafeFileHandle file, string path)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            int fd = (int)file.DangerousGetHandle();
            int errno;
            if (s_emptyPath)
            {
                // linkat(fd, "", ..., AT_EMPTY_PATH) names the open file itself: no walk through /proc for every file.
                // Linux allows it to a process that may read and search anything (root), or, since 6.10, for a file the
                // process opened itself; elsewhere it fails with ENOENT or EPERM and /proc/self/fd is used from then on.
                if (linkat(fd, "", AtCurrentDirectory, path, EmptyPath) == 0)
                {
                    return true;
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno is not (NoSuchFile or NotPermitted))
                {
                    return errno == Exists
                        ? false
                        : throw new IOException($"link {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
                }

                s_emptyPath = false;
            }

            string self = "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (linkat(AtCurrentDirectory, self, AtCurrentDirectory, path, FollowSymlink) == 0)
            {
                return true;
            }

            errno = Marshal.GetLastPInvokeError();
            return errno == Exists
                ? false
                : throw new IOException($"link {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Reserves <paramref name="length"/> bytes for the file (<c>fallocate(2)</c>); best effort, failures are ignored.</summary>
    public static void Preallocate(SafeFileHandle file, long length)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = fallocate((int)file.DangerousGetHandle(), 0, 0, length);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "linkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int linkat(int fromDirectory, string from, int toDirectory, string to, int flags);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int fallocate(int fd, int mode, long offset, long length);
}
