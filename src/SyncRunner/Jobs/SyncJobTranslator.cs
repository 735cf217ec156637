using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using SyncOptionLimits = Ferry.Api.Sync.SyncOptionLimits;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;
using ApiFilterRule = Ferry.Api.Sync.FilterRule;
using EngineOptions = Ferry.SyncRunner.Planning.SyncOptions;

namespace Ferry.SyncRunner.Jobs;

/// <summary>Turns a SyncJob spec into what the engine runs: <see cref="EngineOptions"/> and the source and
/// destination <see cref="IObjectStorage"/>, opened by the storage backend of each endpoint's kind with the credentials
/// the runner contract puts into the pod's environment (<see cref="StorageProvider.Create(Endpoint, SyncJobSide)"/>).</summary>
/// <remarks>Field meanings follow the juicefs sync flags the API documents (<c>update</c> is <c>--update</c>, ...).
/// Credentials are never put in anything that is printed.</remarks>
public static class SyncJobTranslator
{
    /// <summary>The engine options of a spec. Apply <see cref="Api.Schema.SchemaDefaults.Apply"/> to the spec first.</summary>
    /// <param name="spec">The SyncJob spec (defaults applied).</param>
    /// <param name="filesFrom">The lines of the <c>filesFrom</c> ConfigMap key, or <see langword="null"/> when the spec
    /// has none.</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">A size or duration is malformed.</exception>
    public static EngineOptions ToOptions(SyncJobSpec spec, IReadOnlyList<string>? filesFrom = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new EngineOptions
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
            MinSize = spec.MinSize is { } minSize ? ByteQuantity.ToBytes(minSize) : null,
            MaxSize = spec.MaxSize is { } maxSize ? ByteQuantity.ToBytes(maxSize) : null,
            MinAge = spec.MinAge is { } minAge ? GoDuration.Parse(minAge) : null,
            MaxAge = spec.MaxAge is { } maxAge ? GoDuration.Parse(maxAge) : null,
            StartTime = spec.StartTime,
            EndTime = spec.EndTime,
            Start = string.IsNullOrEmpty(spec.Start) ? null : spec.Start,
            EndBefore = string.IsNullOrEmpty(spec.End) ? null : spec.End,
            Limit = spec.Limit ?? -1,
            Threads = spec.Threads ?? SyncOptionLimits.DefaultThreads,
            ListThreads = spec.ListThreads ?? SyncOptionLimits.DefaultListThreads,
            ListDepth = spec.ListDepth ?? SyncOptionLimits.DefaultListDepth,
            BwLimit = spec.BwLimit ?? 0,
            MaxDelete = spec.MaxDelete?.ToString(),
            MaxFailures = spec.MaxFailures ?? 100,
            TaskObjects = (int)Math.Clamp(spec.TaskObjects ?? 10_000, 1, int.MaxValue),
            TaskBytes = spec.TaskBytes is { } taskBytes ? ByteQuantity.ToBytes(taskBytes) : 8L << 30,
        };
    }

    /// <summary>Opens one side of a SyncJob through the storage backend of its kind.</summary>
    /// <param name="endpoint">The spec's <c>source</c> or <c>destination</c>.</param>
    /// <param name="destination">Whether it is the destination.</param>
    /// <param name="environment">Reads an environment variable (the process's in a runner pod).</param>
    /// <returns>The storage: a directory for <c>volume</c> and <c>sftp</c>, the bucket under the prefix for <c>s3</c>.</returns>
    /// <exception cref="ArgumentException">The endpoint names no kind, a volume root does not exist, a credential
    /// the spec needs is missing, or an endpoint URL is malformed.</exception>
    public static IObjectStorage CreateStorage(Endpoint endpoint, bool destination, Func<string, string?> environment) =>
        StorageFactory.Default.Create(endpoint, new SyncJobSide(destination, environment));

    /// <summary>Where a side is, for logs and status: no credentials.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>E.g. <c>s3://bucket/prefix</c>, <c>volume://claim/path</c>, <c>sftp://user@host:22/path</c>.</returns>
    public static string Describe(Endpoint endpoint) => StorageFactory.Default.Describe(endpoint);

    private static FilterRule ToRule(ApiFilterRule rule) => rule.Include is { } include
        ? new FilterRule(FilterAction.Include, include)
        : new FilterRule(FilterAction.Exclude, rule.Exclude ?? throw new ArgumentException("a filter rule names neither include nor exclude"));
}
