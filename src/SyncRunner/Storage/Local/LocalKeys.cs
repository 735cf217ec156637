namespace Ferry.SyncRunner.Storage.Local;

/// <summary>Validates keys and maps them to paths below a root directory.</summary>
internal static class LocalKeys
{
    /// <summary>
    /// Checks that <paramref name="key"/> is a relative, normalised key: not empty, no leading <c>/</c>,
    /// no NUL, no empty, <c>.</c> or <c>..</c> segment (a trailing <c>/</c> marks a directory).
    /// </summary>
    /// <exception cref="StorageException">The key is invalid (<see cref="StorageErrorKind.Invalid"/>).</exception>
    public static void Validate(string key, string displayName)
    {
        string? reason = Check(key);
        if (reason is not null)
        {
            throw new StorageException(StorageErrorKind.Invalid, $"invalid key '{Printable(key)}' for {displayName}: {reason}");
        }
    }

    /// <summary>Returns why <paramref name="key"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    public static string? Check(string key)
    {
        if (key.Length == 0)
        {
            return "empty key";
        }

        if (key[0] == '/')
        {
            return "absolute key";
        }

        if (key.Contains('\0'))
        {
            return "NUL character";
        }

        ReadOnlySpan<char> rest = key.EndsWith('/') ? key.AsSpan(0, key.Length - 1) : key.AsSpan();
        foreach (Range r in rest.Split('/'))
        {
            ReadOnlySpan<char> segment = rest[r];
            if (segment.Length == 0)
            {
                return "empty path segment";
            }

            if (segment is "." or "..")
            {
                return $"'{segment}' path segment";
            }
        }

        return null;
    }

    private static string Printable(string key) => key.Replace('\0', '?');
}
