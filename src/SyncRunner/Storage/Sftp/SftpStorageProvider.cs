using Ferry.Api.Endpoints;
using Ferry.Api.Runs;

[assembly: Ferry.SyncRunner.Storage.RegisterStorageProvider(typeof(Ferry.SyncRunner.Storage.Sftp.SftpStorageProvider))]

namespace Ferry.SyncRunner.Storage.Sftp;

/// <summary>The SFTP backend: <c>sftp://</c> URLs and juicefs's <c>[user@]host:path</c> (<see cref="SftpLocation"/>), and
/// a SyncJob's <c>sftp</c> endpoint, as <see cref="SftpStorage"/>.</summary>
/// <remarks>An endpoint's private key and <c>known_hosts</c> are files in the Secret directory
/// <c>FERRY_SIDE_SFTP_SECRET_DIR</c>, its password is <c>FERRY_SIDE_SFTP_PASSWORD</c> (<see cref="RunnerContract"/>);
/// the password reaches ssh through <c>SSH_ASKPASS</c> only.</remarks>
public sealed class SftpStorageProvider() : StorageProvider(["sftp"], "sftp")
{
    /// <inheritdoc/>
    /// <remarks>juicefs sync: a location without <c>://</c> but with <c>:</c> is an SSH location.</remarks>
    public override bool ServesWithoutScheme(string location) => location.Contains(':');

    /// <inheritdoc/>
    public override bool NamesDirectory(string location) =>
        SftpLocation.TryParse(location, out SftpLocation? sftp) ? sftp.NamesDirectory : location.EndsWith('/');

    /// <inheritdoc/>
    /// <remarks>A location whose path ends in <c>/</c> (or is empty, the home directory) is a directory; any other is a
    /// key prefix inside its parent directory, as for local paths (juicefs sync guide).</remarks>
    /// <exception cref="FormatException">The location is not an SFTP location (the message never contains a password).</exception>
    public override IObjectStorage Create(string location)
    {
        SftpLocation parsed = SftpLocation.Parse(location);
        if (parsed.NamesDirectory)
        {
            return new SftpStorage(parsed);
        }

        int slash = parsed.Path.LastIndexOf('/');
        string parent = slash >= 0 ? parsed.Path[..(slash + 1)] : "";
        return new PrefixedStorage(new SftpStorage(parsed with { Path = parent }), parsed.Path[(slash + 1)..]);
    }

    /// <inheritdoc/>
    public override bool Serves(Endpoint endpoint) => endpoint.Sftp is not null;

    /// <inheritdoc/>
    /// <remarks>ssh refuses a private key that others can read, and a Secret volume may mount it so: such a key is
    /// copied to a private temporary file (mode 0600).</remarks>
    public override IObjectStorage Create(Endpoint endpoint, SyncJobSide side)
    {
        SftpEndpoint sftp = endpoint.Sftp ?? throw new ArgumentException($"the {side.Name} endpoint is not sftp");
        string? secretDir = side.Variable(RunnerContract.SftpSecretDir);
        string? identity = secretDir is null ? null : PrivateKeyFile(Path.Combine(secretDir, RunnerContract.PrivateKeyFile));
        string? knownHosts = secretDir is null ? null : ExistingFile(Path.Combine(secretDir, RunnerContract.KnownHostsFile));
        string? password = side.Variable(RunnerContract.SftpPassword);
        if (identity is null && password is null)
        {
            throw new ArgumentException($"the {side.Name} SFTP Secret {sftp.CredentialsSecretRef.Name} gives neither a private key nor a password");
        }

        string path = sftp.Path ?? "";
        if (path.Length > 0 && !path.EndsWith('/'))
        {
            path += "/";
        }

        return new SftpStorage(new SftpLocation(sftp.Host, sftp.Port, sftp.User, password, path, identity, knownHosts));
    }

    /// <inheritdoc/>
    public override string Describe(Endpoint endpoint) => endpoint.Sftp is { } s
        ? $"sftp://{s.User}@{s.Host}:{(s.Port ?? 22).ToString(System.Globalization.CultureInfo.InvariantCulture)}/{s.Path}"
        : "(none)";

    private static string? ExistingFile(string path) => File.Exists(path) ? path : null;

    private static string? PrivateKeyFile(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        const UnixFileMode OpenToOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & OpenToOthers) == 0)
        {
            return path;
        }

        string copy = Path.Combine(Path.GetTempPath(), $"ferry-key-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using var output = new FileStream(copy, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        output.Write(File.ReadAllBytes(path));
        return copy;
    }
}
