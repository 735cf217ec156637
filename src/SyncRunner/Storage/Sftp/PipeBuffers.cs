using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// Enlarges the kernel buffer of a pipe to ssh (Linux <c>F_SETPIPE_SZ</c>), so that ssh is not stopped every
/// 64 KiB — one SFTP data packet — while Ferry is busy. Best effort: where it fails, the default stays.
/// </summary>
internal static partial class PipeBuffers
{
    private const int SetPipeSize = 1031; // F_SETPIPE_SZ
    private const int GetPipeSize = 1032; // F_GETPIPE_SZ
    private const int Size = 1024 * 1024; // the unprivileged maximum (/proc/sys/fs/pipe-max-size) by default

    public static void Enlarge(Stream stream)
    {
        if (!OperatingSystem.IsLinux() || stream is not PipeStream pipe)
        {
            return;
        }

        try
        {
            _ = Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), SetPipeSize, Size);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    /// <summary>The kernel buffer size of a pipe in bytes, or -1 when it cannot be read.</summary>
    public static int SizeOf(Stream stream) =>
        OperatingSystem.IsLinux() && stream is PipeStream pipe ? Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), GetPipeSize, 0) : -1;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
