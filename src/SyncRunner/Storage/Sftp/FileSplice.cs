using System.Runtime.InteropServices;

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>
/// Linux <c>splice(2)</c> from a file into a pipe: the kernel passes references to the file's page-cache pages into the
/// pipe, so the bytes are never copied into this process nor written back out of it.
/// </summary>
internal static partial class FileSplice
{
    /// <summary><c>EINTR</c>: interrupted by a signal, try again.</summary>
    public const int Interrupted = 4;

    /// <summary><c>EPIPE</c>: the pipe's reader (ssh) is gone.</summary>
    public const int BrokenPipe = 32;

    /// <summary>Whether this platform has <c>splice</c>.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// Moves up to <paramref name="length"/> bytes of the file <paramref name="fileFd"/> from <paramref name="offset"/>
    /// (advanced by what moved) into the pipe <paramref name="pipeFd"/>, blocking while the pipe is full.
    /// </summary>
    /// <returns>Bytes moved; 0 at end of file; -1 on error (<see cref="Marshal.GetLastPInvokeError"/> has errno).</returns>
    public static nint Move(int fileFd, ref long offset, int pipeFd, int length) =>
        Splice(fileFd, ref offset, pipeFd, 0, (nuint)length, 0);

    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    private static partial nint Splice(int fdIn, ref long offIn, int fdOut, nint offOut, nuint length, uint flags);
}
