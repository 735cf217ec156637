using System.Runtime.InteropServices;

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

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or lies below it (both canonical).</summary>
    public static bool IsWithin(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root.EndsWith('/') || path[root.Length] == '/'));

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

    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int rename(string from, string to);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr realpath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(IntPtr p);
}
