using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>
/// The data path of a local-to-local copy, with as few syscalls as the kernel allows: the source opened with one
/// <c>open(2)</c> (no <c>fstat</c>, no lock), the bytes moved by <c>copy_file_range(2)</c> inside the kernel (a reflink
/// where the file system shares extents) until it reports the end of the file, with a <c>pread</c>/<c>pwrite</c> loop where
/// the kernel cannot (another file system on an old kernel).
/// </summary>
/// <remarks>Together with an unnamed destination (<see cref="UnnamedFile"/>) a small file costs 8 syscalls: open, open
/// (<c>O_TMPFILE</c>), copy_file_range twice (the data, then the end), futimens, linkat, close twice; <c>File.Copy</c> into a
/// temporary name and a rename cost 13 (an extra fstat per file, a failing FICLONE ioctl, fchmod, geteuid, rename).</remarks>
internal static partial class LocalFileCopy
{
    private const int ReadOnly = 0; // O_RDONLY
    private const int WriteOnly = 1; // O_WRONLY
    private const int Loop = 40; // ELOOP: the last component is a symbolic link
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int NoSuchFile = 2; // ENOENT
    private const int PermissionDenied = 13; // EACCES
    private const int NotPermitted = 1; // EPERM
    private const int CrossDevice = 18; // EXDEV
    private const int Invalid = 22; // EINVAL
    private const int NoSystemCall = 38; // ENOSYS
    private const int NotSupported = 95; // EOPNOTSUPP
    private const int Interrupted = 4; // EINTR
    private const long Chunk = 1L << 30;

    /// <summary><c>O_NOFOLLOW</c>, which differs between architectures.</summary>
    private static readonly int NoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    /// <exception cref="FileNotFoundException">It does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    /// <exception cref="IOException">It could not be opened otherwise.</exception>
    public static SafeFileHandle OpenRead(string path)
    {
        int fd;
        do
        {
            fd = open(path, ReadOnly | CloseOnExec, 0);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int errno = Marshal.GetLastPInvokeError();
        string message = $"open {path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        throw errno switch
        {
            NoSuchFile => new FileNotFoundException(message, path),
            PermissionDenied or NotPermitted => new UnauthorizedAccessException(message),
            _ => new IOException(message, errno),
        };
    }

    /// <summary>Opens the existing regular file <paramref name="path"/> for writing in place, never through a symbolic link.</summary>
    /// <returns>The file, or <see langword="null"/> when there is none, or it is a symbolic link (<c>O_NOFOLLOW</c>): the
    /// caller writes the atomic way then.</returns>
    /// <exception cref="IOException">It exists but cannot be opened (a directory, no permission).</exception>
    public static SafeFileHandle? OpenExistingForWrite(string path)
    {
        int fd;
        do
        {
            fd = open(path, WriteOnly | NoFollow | CloseOnExec, 0);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno is NoSuchFile or Loop
            ? null
            : throw new IOException($"open {path} for writing in place: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    /// <summary>Cuts <paramref name="file"/> to <paramref name="length"/> bytes (<c>ftruncate(2)</c>): the end of an in-place
    /// rewrite of a file that shrank.</summary>
    /// <exception cref="IOException">The call failed.</exception>
    public static void Truncate(SafeFileHandle file, long length)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            if (ftruncate((int)file.DangerousGetHandle(), length) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"ftruncate: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Copies every byte of <paramref name="from"/> (from its start) to <paramref name="to"/> (from its start).</summary>
    /// <returns>The number of bytes copied.</returns>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public static long Copy(SafeFileHandle from, SafeFileHandle to, CancellationToken cancellationToken)
    {
        long copied = 0;
        bool addedFrom = false, addedTo = false;
        try
        {
            from.DangerousAddRef(ref addedFrom);
            to.DangerousAddRef(ref addedTo);
            int fromFd = (int)from.DangerousGetHandle();
            int toFd = (int)to.DangerousGetHandle();
            while (true)
            {
                long n = copy_file_range(fromFd, IntPtr.Zero, toFd, IntPtr.Zero, (nint)Chunk, 0);
                if (n > 0)
                {
                    copied += n;
                    cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }

                if (n == 0)
                {
                    return copied;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted)
                {
                    continue;
                }

                if (errno is CrossDevice or Invalid or NoSystemCall or NotSupported)
                {
                    // The kernel cannot copy between these files: copy what is left through memory. The file offsets of
                    // both descriptors stand where copy_file_range left them.
                    return copied + CopyThroughMemory(from, to, copied, cancellationToken);
                }

                throw new IOException($"copy_file_range: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }
        finally
        {
            if (addedFrom)
            {
                from.DangerousRelease();
            }

            if (addedTo)
            {
                to.DangerousRelease();
            }
        }
    }

    private static long CopyThroughMemory(SafeFileHandle from, SafeFileHandle to, long offset, CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            long copied = 0;
            int n;
            while ((n = RandomAccess.Read(from, buffer, offset + copied)) > 0)
            {
                RandomAccess.Write(to, buffer.AsSpan(0, n), offset + copied);
                copied += n;
                cancellationToken.ThrowIfCancellationRequested();
            }

            return copied;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint copy_file_range(int fromFd, IntPtr fromOffset, int toFd, IntPtr toOffset, nint length, uint flags);
}
