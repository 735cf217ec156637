using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Storage;

/// <summary>
/// Turns a <c>SRC</c>/<c>DST</c> string into a store: a plain path or <c>file://</c> URL (built in),
/// <c>s3://</c>/<c>minio://</c> and <c>sftp://</c>/<c>user@host:/path</c> once their backends register.
/// </summary>
/// <remarks>
/// Rules, as juicefs sync's <c>cmd/sync.go</c>: a string without <c>://</c> and without <c>:</c> is a local
/// path; one without <c>://</c> but with <c>:</c> is an SSH location (<c>[user@]host:path</c>) handed to the
/// <c>sftp</c> backend. A location that ends in <c>/</c> is a directory; one that does not is a key prefix
/// (see <see cref="PrefixedStorage"/>), and SRC and DST must both end in <c>/</c> or neither
/// (<see cref="CheckTrailingSlashes"/>).
/// </remarks>
public sealed class StorageFactory
{
    private readonly Dictionary<string, Func<string, IObjectStorage>> _creators = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a factory that knows local paths and <c>file://</c> only.</summary>
    public StorageFactory() => Register("file", CreateLocal);

    /// <summary>The factory the CLI uses, with every backend built into <c>ferry</c>.</summary>
    public static StorageFactory Default { get; } = CreateDefault();

    /// <summary>Registers (or replaces) the backend for a URL scheme.</summary>
    /// <param name="scheme">The scheme without <c>://</c>, e.g. <c>s3</c>, <c>minio</c>, <c>sftp</c> (case-insensitive).
    /// SSH locations in scp form (<c>user@host:/path</c>) go to the <c>sftp</c> creator unchanged.</param>
    /// <param name="create">Creates the store from the location exactly as the user wrote it.</param>
    public void Register(string scheme, Func<string, IObjectStorage> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(create);
        _creators[scheme] = create;
    }

    /// <summary>Checks the juicefs rule that SRC and DST both end in <c>/</c> or neither does.</summary>
    /// <param name="source">The SRC string.</param>
    /// <param name="destination">The DST string.</param>
    /// <exception cref="ArgumentException">Exactly one of them ends in <c>/</c>.</exception>
    public static void CheckTrailingSlashes(string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.EndsWith('/') != destination.EndsWith('/'))
        {
            throw new ArgumentException("SRC and DST must both end with '/' or neither (a trailing '/' names a directory, none a key prefix)");
        }
    }

    /// <summary>The scheme of <paramref name="location"/>: the URL scheme, <c>file</c> for a plain path, <c>sftp</c> for <c>host:path</c>.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The lower-case scheme.</returns>
    public static string SchemeOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        int i = location.IndexOf("://", StringComparison.Ordinal);
        if (i > 0)
        {
            return location[..i].ToLowerInvariant();
        }

        return location.Contains(':') ? "sftp" : "file";
    }

    /// <summary>The absolute local path of a <c>file</c> location (with its trailing <c>/</c> kept), or <see langword="null"/> for other schemes.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The path, e.g. <c>/srv/data/</c>.</returns>
    public static string? LocalPathOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (SchemeOf(location) != "file")
        {
            return null;
        }

        string path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            ? Uri.UnescapeDataString(location["file://".Length..])
            : location;
        if (path.Length == 0)
        {
            path = "/";
        }

        string full = Path.GetFullPath(path);
        if (path.EndsWith('/') && !full.EndsWith('/'))
        {
            full += "/";
        }

        return full;
    }

    /// <summary>Creates the store for <paramref name="location"/>.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The store; a location without a trailing <c>/</c> is a prefix view.</returns>
    /// <exception cref="ArgumentException">No backend is registered for the scheme.</exception>
    public IObjectStorage Create(string location)
    {
        string scheme = SchemeOf(location);
        if (!_creators.TryGetValue(scheme, out Func<string, IObjectStorage>? create))
        {
            throw new ArgumentException($"no storage backend for '{scheme}://' (known: {string.Join(", ", _creators.Keys.Order())})");
        }

        return create(location);
    }

    /// <summary>The built-in backends: one <see cref="Register"/> line per scheme.</summary>
    private static StorageFactory CreateDefault()
    {
        var factory = new StorageFactory();

        // S3 (s3://, minio://) and SFTP (sftp://, user@host:/path) register here, one line each.
        return factory;
    }

    private static IObjectStorage CreateLocal(string location)
    {
        string path = LocalPathOf(location)!;
        if (path.EndsWith('/'))
        {
            return new FileStorage(path);
        }

        string parent = Path.GetDirectoryName(path) ?? "/";
        return new PrefixedStorage(new FileStorage(parent), Path.GetFileName(path));
    }
}
