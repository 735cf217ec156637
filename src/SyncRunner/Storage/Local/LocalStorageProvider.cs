using Ferry.Api.Endpoints;
using Ferry.Api.Runs;

[assembly: Ferry.SyncRunner.Storage.RegisterStorageProvider(typeof(Ferry.SyncRunner.Storage.Local.LocalStorageProvider))]

namespace Ferry.SyncRunner.Storage.Local;

/// <summary>The local backend: a plain path or <c>file://</c> URL, and a SyncJob's <c>volume</c> endpoint (a PVC
/// mounted into the runner pod), both as <see cref="FileStorage"/>.</summary>
/// <remarks>juicefs sync: a location without <c>://</c> and without <c>:</c> is a local path; a path that does not end
/// in <c>/</c> is a key prefix inside its parent directory (<c>ferry sync ./te ~/mnt/ab</c>). A volume's mount path
/// comes from <c>FERRY_SIDE_ROOT</c> (<see cref="RunnerContract"/>).</remarks>
public sealed class LocalStorageProvider() : StorageProvider(["file"], "volume")
{
    private const string UrlPrefix = "file://";

    /// <summary>The absolute local path of a local location (with its trailing <c>/</c> kept), or
    /// <see langword="null"/> for a location of another backend.</summary>
    /// <param name="location">A SRC or DST string.</param>
    /// <returns>The path, e.g. <c>/srv/data/</c>; <c>file://</c> URLs are percent-decoded.</returns>
    public static string? LocalPathOf(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        bool url = location.StartsWith(UrlPrefix, StringComparison.OrdinalIgnoreCase);
        if (!url && location.Contains(':'))
        {
            return null;
        }

        string path = url ? Uri.UnescapeDataString(location[UrlPrefix.Length..]) : location;
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

    /// <inheritdoc/>
    public override bool ServesWithoutScheme(string location) => !location.Contains(':');

    /// <inheritdoc/>
    /// <remarks>A local path has no query: a <c>?</c> is part of a file name.</remarks>
    public override bool NamesDirectory(string location) => location.EndsWith('/');

    /// <inheritdoc/>
    public override IObjectStorage Create(string location)
    {
        string path = LocalPathOf(location) ?? throw new ArgumentException($"not a local path or file:// URL: '{location}'");
        if (path.EndsWith('/'))
        {
            return new FileStorage(path);
        }

        string parent = Path.GetDirectoryName(path) ?? "/";
        return new PrefixedStorage(new FileStorage(parent), Path.GetFileName(path));
    }

    /// <inheritdoc/>
    public override bool Serves(Endpoint endpoint) => endpoint.Volume is not null;

    /// <inheritdoc/>
    /// <remarks>The volume is mounted at <c>FERRY_SIDE_ROOT</c>, else at <see cref="RunnerContract.VolumeMountPath"/>.
    /// A destination's path is created; a source's must exist.</remarks>
    public override IObjectStorage Create(Endpoint endpoint, SyncJobSide side)
    {
        VolumeEndpoint volume = endpoint.Volume ?? throw new ArgumentException($"the {side.Name} endpoint is not a volume");
        string root = side.Variable(RunnerContract.Root) ?? RunnerContract.VolumeMountPath(side.IsDestination);
        if (!Directory.Exists(root))
        {
            throw new ArgumentException($"the {side.Name} volume {volume.ClaimName} is not mounted at {root}");
        }

        string path = Path.Combine(root, volume.Path ?? "");
        if (side.IsDestination)
        {
            Directory.CreateDirectory(path);
        }
        else if (!Directory.Exists(path))
        {
            throw new ArgumentException($"the {side.Name} path '{volume.Path}' does not exist in volume {volume.ClaimName}");
        }

        return new FileStorage(path.EndsWith('/') ? path : path + "/");
    }

    /// <inheritdoc/>
    public override string Describe(Endpoint endpoint) => $"volume://{endpoint.Volume?.ClaimName}/{endpoint.Volume?.Path}";
}
