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

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr realpath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(IntPtr p);
}
