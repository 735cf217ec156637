using Ferry.Api.Endpoints;

namespace Ferry.SyncRunner.Storage;

/// <summary>
/// Opens stores through the backends it is given (<see cref="StorageProvider"/>): a <c>SRC</c>/<c>DST</c> string by
/// its URL scheme, or by the backend that serves it without one; a SyncJob endpoint by the backend of its kind.
/// The factory knows no backend by name.
/// </summary>
/// <remarks>
/// Rules, as juicefs sync's <c>cmd/sync.go</c>: a string with <c>scheme://</c> goes to the backend of that scheme; one
/// without goes to the backend that serves it so (a local path without <c>:</c>, an SSH location
/// <c>[user@]host:path</c> with one). A location that ends in <c>/</c> is a directory; one that does not is a key
/// prefix (see <see cref="PrefixedStorage"/>), and SRC and DST must both end in <c>/</c> or neither
/// (<see cref="CheckTrailingSlashes"/>).
/// </remarks>
public sealed class StorageFactory
{
    private readonly StorageProvider[] _providers;
    private readonly Dictionary<string, StorageProvider> _byScheme = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a factory over <paramref name="providers"/>.</summary>
    /// <param name="providers">The backends, each with schemes of its own.</param>
    /// <exception cref="ArgumentException">Two backends claim the same scheme or endpoint kind.</exception>
    public StorageFactory(IEnumerable<StorageProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers.ToArray();
        foreach (StorageProvider provider in _providers)
        {
            foreach (string scheme in provider.Schemes)
            {
                if (!_byScheme.TryAdd(scheme, provider))
                {
                    throw new ArgumentException($"two storage backends claim the scheme '{scheme}'", nameof(providers));
                }
            }
        }

        if (_providers.GroupBy(p => p.EndpointKind, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two storage backends claim the endpoint kind '{twice.Key}'", nameof(providers));
        }
    }

    /// <summary>The factory the CLI and the runner use: every backend built into <c>ferry</c>
    /// (<see cref="RegisterStorageProviderAttribute"/>).</summary>
    public static StorageFactory Default { get; } = new(RegisterStorageProviderAttribute.ProvidersIn(typeof(StorageFactory).Assembly));

    /// <summary>The backends, as given.</summary>
    public IReadOnlyList<StorageProvider> Providers => _providers;

    /// <summary>Checks the juicefs rule that SRC and DST both end in <c>/</c> or neither does.</summary>
    /// <param name="source">The SRC string.</param>
    /// <param name="destination">The DST string.</param>
    /// <exception cref="ArgumentException">Exactly one of them ends in <c>/</c>.</exception>
    public void CheckTrailingSlashes(string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (NamesDirectory(source) != NamesDirectory(destination))
        {
            throw new ArgumentException("SRC and DST must both end with '/' or neither (a trailing '/' names a directory, none a key prefix)");
        }
    }

    /// <summary>Whether a location names a directory (its path ends in <c>/</c>) rather than a key prefix, as its
    /// backend reads it; for a scheme no backend serves, whether the part before any <c>?</c> ends in <c>/</c>.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns><see langword="true"/> for a directory, <see langword="false"/> for a key prefix.</returns>
    public bool NamesDirectory(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (ProviderOf(location) is { } provider)
        {
            return provider.NamesDirectory(location);
        }

        int query = location.IndexOf('?', StringComparison.Ordinal);
        return (query >= 0 ? location[..query] : location).EndsWith('/');
    }

    /// <summary>The scheme of <paramref name="location"/>: its URL scheme, or for a location without one the first
    /// scheme of the backend that serves it (<c>file</c> for a plain path, <c>sftp</c> for <c>host:path</c>).</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The lower-case scheme, or <see langword="null"/> when no backend serves a location without a scheme.</returns>
    public string? SchemeOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        int i = location.IndexOf("://", StringComparison.Ordinal);
        if (i > 0)
        {
            return location[..i].ToLowerInvariant();
        }

        return Array.Find(_providers, p => p.ServesWithoutScheme(location))?.Schemes[0];
    }

    /// <summary>Creates the store for <paramref name="location"/>.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The store; a location without a trailing <c>/</c> is a prefix view.</returns>
    /// <exception cref="ArgumentException">No backend serves the scheme, or the backend refuses the location.</exception>
    /// <exception cref="FormatException">The location is malformed (the message masks credentials).</exception>
    public IObjectStorage Create(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (ProviderOf(location) is { } provider)
        {
            return provider.Create(location);
        }

        string known = string.Join(", ", _byScheme.Keys.Order(StringComparer.Ordinal));
        throw new ArgumentException(SchemeOf(location) is { } scheme
            ? $"no storage backend for '{scheme}://' (known: {known})"
            : $"no storage backend serves a location without a scheme (known: {known})");
    }

    /// <summary>Opens one side of a SyncJob through the backend of the endpoint's kind.</summary>
    /// <param name="endpoint">The spec's <c>source</c> or <c>destination</c>.</param>
    /// <param name="side">Which side it is and the runner pod's environment for it.</param>
    /// <returns>The storage.</returns>
    /// <exception cref="ArgumentException">The endpoint names no kind a backend serves, or its backend cannot use it
    /// (see <see cref="StorageProvider.Create(Endpoint, SyncJobSide)"/>).</exception>
    public IObjectStorage Create(Endpoint endpoint, SyncJobSide side)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(side);
        StorageProvider provider = Array.Find(_providers, p => p.Serves(endpoint))
            ?? throw new ArgumentException($"the {side.Name} endpoint names none of {string.Join(", ", _providers.Select(p => p.EndpointKind))}");
        return provider.Create(endpoint, side);
    }

    /// <summary>Where an endpoint is, for logs and status: no credentials.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>E.g. <c>s3://bucket/prefix</c>, <c>volume://claim/path</c>, <c>sftp://user@host:22/path</c>; <c>(none)</c>
    /// when no backend serves it.</returns>
    public string Describe(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Array.Find(_providers, p => p.Serves(endpoint))?.Describe(endpoint) ?? "(none)";
    }

    private StorageProvider? ProviderOf(string location)
    {
        int i = location.IndexOf("://", StringComparison.Ordinal);
        return i > 0
            ? _byScheme.GetValueOrDefault(location[..i])
            : Array.Find(_providers, p => p.ServesWithoutScheme(location));
    }
}
