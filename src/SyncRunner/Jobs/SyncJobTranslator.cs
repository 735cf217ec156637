using Ferry.Api;
using Ferry.Api.Common;
using Ferry.Api.Endpoints;
using Ferry.Api.Sync;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Filtering;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Storage;

namespace Ferry.SyncRunner.Jobs;

/// <summary>Turns a SyncJob spec into what the engine runs: <see cref="SyncOptions"/> and the source and
/// destination <see cref="IObjectStorage"/>, opened by the storage backend of each endpoint's kind with the credentials
/// the runner contract puts into the pod's environment (<see cref="StorageProvider.Create(Endpoint, SyncJobSide)"/>).</summary>
/// <remarks>Field meanings follow the juicefs sync flags the API documents (<c>update</c> is <c>--update</c>, ...).
/// Credentials are never put in anything that is printed.</remarks>
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
}
