using Ferry.Api.Endpoints;

namespace Ferry.SyncRunner.Storage;

/// <summary>
/// One storage backend as <see cref="StorageFactory"/> sees it: the locations it serves (URL schemes, and forms
/// written without a scheme), how it parses them, and how it opens a store from a <c>SRC</c>/<c>DST</c> string or from
/// a SyncJob endpoint plus the credentials the runner pod was given.
/// </summary>
/// <param name="schemes">The URL schemes the backend serves, lower case, without <c>://</c>; the first is its own.</param>
/// <param name="endpointKind">The SyncJob endpoint field it serves.</param>
/// <remarks>
/// rclone's model: each backend registers itself (<see cref="RegisterStorageProviderAttribute"/>) and the factory knows
/// none by name. Implementations are stateless and safe to call from many threads.
/// </remarks>
public abstract class StorageProvider(IReadOnlyList<string> schemes, string endpointKind)
{
    /// <summary>The URL schemes this backend serves, lower case, without <c>://</c>.</summary>
    /// <value>For example <c>["s3", "minio"]</c>; the first is the backend's own.</value>
    public IReadOnlyList<string> Schemes { get; } = schemes is [_, ..] ? schemes : throw new ArgumentException("a storage backend serves at least one scheme", nameof(schemes));

    /// <summary>The SyncJob endpoint field this backend serves (<c>s3</c>, <c>volume</c>, <c>sftp</c>: a property of
    /// <see cref="Endpoint"/>), as error messages name it.</summary>
    public string EndpointKind { get; } = endpointKind;

    /// <summary>Whether this backend serves <paramref name="location"/>, which has no <c>scheme://</c>.</summary>
    /// <param name="location">A SRC or DST string without <c>://</c>.</param>
    /// <returns><see langword="true"/> when <see cref="Create(string)"/> is the one to open it.</returns>
    /// <remarks>juicefs sync's <c>cmd/sync.go</c>: a string without <c>:</c> is a local path, one with <c>:</c> an SSH
    /// location (<c>[user@]host:path</c>). No two backends claim the same string. This one: none.</remarks>
    public virtual bool ServesWithoutScheme(string location) => false;

    /// <summary>Whether <paramref name="location"/> names a directory rather than a key prefix.</summary>
    /// <param name="location">A SRC or DST string this backend serves.</param>
    /// <returns><see langword="true"/> when its path ends in <c>/</c> (as this backend reads a path: a URL's
    /// <c>?query</c> is not part of it).</returns>
    /// <remarks>juicefs sync guide: a SRC/DST that ends in <c>/</c> is a directory, any other a key prefix. This one:
    /// whether the part before any <c>?</c> ends in <c>/</c>.</remarks>
    public virtual bool NamesDirectory(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        int query = location.IndexOf('?', StringComparison.Ordinal);
        return (query >= 0 ? location[..query] : location).EndsWith('/');
    }

    /// <summary>Opens the store for a SRC or DST string.</summary>
    /// <param name="location">The location exactly as the user wrote it.</param>
    /// <returns>The store; a location that is a key prefix (<see cref="NamesDirectory"/> false) is a prefix view
    /// unless the backend keeps prefixes itself (S3).</returns>
    /// <exception cref="FormatException">The location is malformed; the message masks credentials.</exception>
    /// <exception cref="ArgumentException">The location is well formed but cannot be used.</exception>
    public abstract IObjectStorage Create(string location);

    /// <summary>Whether <paramref name="endpoint"/> is of this backend's kind (its <see cref="EndpointKind"/> field is set).</summary>
    /// <param name="endpoint">A SyncJob's <c>source</c> or <c>destination</c>.</param>
    /// <returns><see langword="true"/> when <see cref="Create(Endpoint, SyncJobSide)"/> opens it.</returns>
    public abstract bool Serves(Endpoint endpoint);

    /// <summary>Opens one side of a SyncJob, with the credentials the runner contract gives the pod.</summary>
    /// <param name="endpoint">An endpoint this backend <see cref="Serves"/>.</param>
    /// <param name="side">Which side it is and the pod's environment for it.</param>
    /// <returns>The store: a directory for <c>volume</c> and <c>sftp</c>, the bucket under the prefix for <c>s3</c>.</returns>
    /// <exception cref="ArgumentException">The endpoint or its credentials cannot be used (a volume that is not mounted,
    /// a credential missing, a malformed endpoint URL); the message names the side and never a secret.</exception>
    public abstract IObjectStorage Create(Endpoint endpoint, SyncJobSide side);

    /// <summary>Where an endpoint is, for logs and status: no credentials.</summary>
    /// <param name="endpoint">An endpoint this backend <see cref="Serves"/>.</param>
    /// <returns>E.g. <c>s3://bucket/prefix</c>, <c>volume://claim/path</c>, <c>sftp://user@host:22/path</c>.</returns>
    public abstract string Describe(Endpoint endpoint);
}
