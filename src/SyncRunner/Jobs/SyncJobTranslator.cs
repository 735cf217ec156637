using System.Globalization;
using Ferry.Api;
using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Runs;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Storage.S3;
using Ferry.SyncRunner.Storage.Sftp;

namespace Ferry.SyncRunner.Jobs;

/// <summary>Turns a SyncJob spec into what the engine runs: <see cref="SyncOptions"/> and the source and
/// destination <see cref="IObjectStorage"/>, with credentials taken from the runner pod's environment as
/// <see cref="RunnerContract"/> defines it.</summary>
/// <remarks>Field meanings follow the juicefs sync flags the API documents (<c>update</c> is <c>--update</c>, ...).
/// Credentials are never put in anything that is printed: S3 keys go into the <see cref="S3Location"/> (whose
/// display name masks them), SFTP passwords go to ssh through <c>SSH_ASKPASS</c>.</remarks>
public static class SyncJobTranslator
{
    /// <summary>The engine options of a spec: every field means what the <c>ferry sync</c> flag of the same juicefs name
    /// means, and a field the spec leaves out gets the engine's default (the same as the CRD's <c>default</c>, both from
    /// <see cref="SyncOptionLimits"/>).</summary>
    /// <param name="spec">The SyncJob spec, with or without <see cref="Api.Schema.SchemaDefaults.Apply"/>.</param>
    /// <param name="filesFrom">The lines of the <c>filesFrom</c> ConfigMap key, or <see langword="null"/> when the spec
    /// has none.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ConfigurationException">A size or duration is malformed, or a filter rule names neither include
    /// nor exclude (the message names the field).</exception>
    public static SyncOptions ToOptions(SyncJobSpec spec, IReadOnlyList<string>? filesFrom = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var defaults = new SyncOptions();
        return new SyncOptions
        {
            Filters = (spec.Filters ?? []).Select(ToRule).ToArray(),
            MatchFullPath = spec.MatchFullPath ?? false,
            FilesFrom = filesFrom,
            Update = spec.Update ?? false,
            ForceUpdate = spec.ForceUpdate ?? false,
            CheckAll = spec.CheckAll ?? false,
            CheckNew = spec.CheckNew ?? false,
            CheckChange = spec.CheckChange ?? false,
            Existing = spec.Existing ?? false,
            IgnoreExisting = spec.IgnoreExisting ?? false,
            DeleteSrc = spec.DeleteSrc ?? false,
            DeleteSrcAfter = spec.DeleteSrcAfter ?? false,
            DeleteDst = spec.DeleteDst ?? false,
            InPlace = spec.Inplace ?? false,
            Dirs = spec.Dirs ?? false,
            Perms = spec.Perms ?? false,
            Links = spec.Links ?? false,
            DryRun = spec.DryRun ?? false,
            MinSize = spec.MinSize is { } minSize ? Field("spec.minSize", () => ByteQuantity.ToBytes(minSize)) : null,
            MaxSize = spec.MaxSize is { } maxSize ? Field("spec.maxSize", () => ByteQuantity.ToBytes(maxSize)) : null,
            MinAge = spec.MinAge is { } minAge ? Field("spec.minAge", () => GoDuration.Parse(minAge)) : null,
            MaxAge = spec.MaxAge is { } maxAge ? Field("spec.maxAge", () => GoDuration.Parse(maxAge)) : null,
            StartTime = spec.StartTime,
            EndTime = spec.EndTime,
            Start = string.IsNullOrEmpty(spec.Start) ? null : spec.Start,
            End = string.IsNullOrEmpty(spec.End) ? null : spec.End,
            Limit = spec.Limit ?? defaults.Limit,
            Threads = spec.Threads ?? defaults.Threads,
            ListThreads = spec.ListThreads ?? defaults.ListThreads,
            ListDepth = spec.ListDepth ?? defaults.ListDepth,
            BwLimit = spec.BwLimit ?? defaults.BwLimit,
            MaxDelete = spec.MaxDelete?.ToString(),
            MaxFailures = spec.MaxFailures ?? defaults.MaxFailures,
            TaskObjects = spec.TaskObjects is { } taskObjects ? (int)Math.Clamp(taskObjects, 1, int.MaxValue) : defaults.TaskObjects,
            TaskBytes = spec.TaskBytes is { } taskBytes ? Field("spec.taskBytes", () => ByteQuantity.ToBytes(taskBytes)) : defaults.TaskBytes,
        };
    }

    /// <summary>Opens one side of a SyncJob.</summary>
    /// <param name="endpoint">The spec's <c>source</c> or <c>destination</c>.</param>
    /// <param name="destination">Whether it is the destination.</param>
    /// <param name="environment">Reads an environment variable (the process's in a runner pod).</param>
    /// <returns>The storage: a directory for <c>volume</c> and <c>sftp</c>, the bucket under the prefix for <c>s3</c>.</returns>
    /// <exception cref="ArgumentException">The endpoint names no kind, a volume root does not exist, or a credential
    /// the spec needs is missing.</exception>
    public static IObjectStorage CreateStorage(Endpoint endpoint, bool destination, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(environment);
        string side = RunnerContract.Side(destination);
        string name = destination ? "destination" : "source";
        string? Env(string suffix) => environment(side + suffix) is { Length: > 0 } value ? value : null;

        if (endpoint.S3 is { } s3)
        {
            var location = S3Location.Parse(S3Url(s3, Env(RunnerContract.AccessKeyId), Env(RunnerContract.SecretAccessKey), Env(RunnerContract.SessionToken), name));
            return new S3Storage(location, new S3StorageOptions { StorageClass = destination ? s3.StorageClass : null });
        }

        if (endpoint.Volume is { } volume)
        {
            string root = Env(RunnerContract.Root) ?? RunnerContract.VolumeMountPath(destination);
            if (!Directory.Exists(root))
            {
                throw new ArgumentException($"the {name} volume {volume.ClaimName} is not mounted at {root}");
            }

            string path = Path.Combine(root, volume.Path ?? "");
            if (destination)
            {
                Directory.CreateDirectory(path);
            }
            else if (!Directory.Exists(path))
            {
                throw new ArgumentException($"the {name} path '{volume.Path}' does not exist in volume {volume.ClaimName}");
            }

            return new FileStorage(path.EndsWith('/') ? path : path + "/");
        }

        if (endpoint.Sftp is { } sftp)
        {
            string? secretDir = Env(RunnerContract.SftpSecretDir);
            string? identity = secretDir is null ? null : PrivateKeyFile(Path.Combine(secretDir, RunnerContract.PrivateKeyFile));
            string? knownHosts = secretDir is null ? null : ExistingFile(Path.Combine(secretDir, RunnerContract.KnownHostsFile));
            string? password = Env(RunnerContract.SftpPassword);
            if (identity is null && password is null)
            {
                throw new ArgumentException($"the {name} SFTP Secret {sftp.CredentialsSecretRef.Name} gives neither a private key nor a password");
            }

            string path = sftp.Path ?? "";
            if (path.Length > 0 && !path.EndsWith('/'))
            {
                path += "/";
            }

            var location = new SftpLocation(sftp.Host, sftp.Port, sftp.User, password, path, identity, knownHosts);
            return new SftpStorage(location);
        }

        throw new ArgumentException($"the {name} endpoint names none of s3, volume, sftp");
    }

    /// <summary>Where a side is, for logs and status: no credentials.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>E.g. <c>s3://bucket/prefix</c>, <c>volume://claim/path</c>, <c>sftp://user@host:22/path</c>.</returns>
    public static string Describe(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint switch
        {
            { S3: { } s3 } => $"s3://{s3.Bucket}/{s3.Prefix}",
            { Volume: { } v } => $"volume://{v.ClaimName}/{v.Path}",
            { Sftp: { } s } => $"sftp://{s.User}@{s.Host}:{(s.Port ?? SftpEndpoint.DefaultPort).ToString(CultureInfo.InvariantCulture)}/{s.Path}",
            _ => "(none)",
        };
    }

    /// <summary>The <c>s3://</c> URL the S3 backend parses: always with an explicit endpoint (so that bucket names with
    /// dots are not taken for virtual-host names), credentials escaped in the user-info part.</summary>
    internal static string S3Url(S3Endpoint s3, string? accessKeyId, string? secretAccessKey, string? sessionToken, string side)
    {
        if (sessionToken is not null)
        {
            throw new ArgumentException($"the {side} S3 credentials carry a session token, which Ferry's S3 backend does not support yet");
        }

        if ((accessKeyId is null) != (secretAccessKey is null))
        {
            throw new ArgumentException($"the {side} S3 credentials need both an access key id and a secret access key");
        }

        string region = string.IsNullOrEmpty(s3.Region) ? "us-east-1" : s3.Region;
        string endpoint = string.IsNullOrEmpty(s3.Endpoint) ? $"https://s3.{region}.amazonaws.com" : s3.Endpoint;
        string credentials = accessKeyId is null ? "" : Uri.EscapeDataString(accessKeyId) + ":" + Uri.EscapeDataString(secretAccessKey!) + "@";
        return $"s3://{credentials}{s3.Bucket}/{s3.Prefix}?endpoint={Uri.EscapeDataString(endpoint)}&region={Uri.EscapeDataString(region)}";
    }

    private static FilterRule ToRule(FilterRuleSpec rule) => rule.Include is { } include
        ? new FilterRule(FilterAction.Include, include)
        : new FilterRule(FilterAction.Exclude, rule.Exclude ?? throw new ConfigurationException("spec.filters: a rule names neither include nor exclude"));

    /// <summary>Parses one field's value; a malformed one is a <see cref="ConfigurationException"/> naming the field.</summary>
    private static T Field<T>(string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ConfigurationException($"{field}: {e.Message}", e);
        }
    }

    private static string? ExistingFile(string path) => File.Exists(path) ? path : null;

    /// <summary>ssh refuses a private key that others can read; a Secret volume may mount it so. Such a key is copied
    /// to a private temporary file (mode 0600).</summary>
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
