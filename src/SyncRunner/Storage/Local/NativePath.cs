using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>Canonical paths through libc <c>realpath(3)</c>, which resolves every symbolic link on the way.</summary>
internal static partial class NativePath
{
    /// <summary>The canonical absolute path of <paramref name="path"/>, or <see langword="null"/> when it does not resolve (missing, loop, no access).</summary>
    public static string? RealPath(string path)
    {
        IntPtr p = realpath(path, IntPtr.Zero);
        if (p == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            free(p);
        }
    }

    /// <summary>Renames with <c>rename(2)</c>, which replaces <paramref name="to"/> and never follows a symbolic link.</summary>
    /// <exception cref="IOException">The rename failed.</exception>
    public static void Rename(string from, string to)
    {
        if (rename(from, to) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"rename {from} to {to}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    /// <summary>Sets an open file's modification time with <c>futimens(2)</c>, leaving its access time
    /// (<c>UTIME_OMIT</c>): one syscall, where <see cref="File.SetLastWriteTimeUtc(SafeFileHandle, DateTime)"/> first
    /// reads the access time back with <c>fstat</c>.</summary>
    /// <exception cref="IOException">The call failed.</exception>
    public static void SetModifiedTime(SafeFileHandle handle, DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        Span<TimeSpec> times = [new TimeSpec(0, UtimeOmit), new TimeSpec(seconds, rest * 100)];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (futimens((int)handle.DangerousGetHandle(), ref MemoryMarshal.GetReference(times)) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"futimens: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary><c>UTIME_OMIT</c> of Linux's <c>utimensat(2)</c>: leave this time as it is.</summary>
    private const long UtimeOmit = (1L << 30) - 2;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int futimens(int fd, ref TimeSpec times);

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int rename(string from, string to);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr realpath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(IntPtr p);
}
