using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;

namespace Ferry.SyncRunner.Watching;

/// <summary>The source and destinations of a continuous ReplicaMirror as a watch sees them: the source volume (its
/// directory is watched) and one <see cref="SyncPair"/> per destination with the sync options of the child SyncJob the
/// operator would create for it (<see cref="MirrorChildren.Build"/>), so batches decide keys exactly as the mirror's full
/// syncs do. Used by the watcher pod (<c>ferry watch-mirror</c>) and by <c>ferry run -f</c>.</summary>
internal sealed class MirrorWatcher : IAsyncDisposable
{
    private readonly List<IObjectStorage> _storages;

    private MirrorWatcher(ReplicaMirror mirror, ContinuousSettings settings, FileStorage source, IReadOnlyList<(MirrorDestination Destination, SyncPair Pair)> destinations, List<IObjectStorage> storages)
    {
        Mirror = mirror;
        Settings = settings;
        Source = source;
        Destinations = destinations;
        _storages = storages;
    }

    /// <summary>The mirror, defaults applied.</summary>
    public ReplicaMirror Mirror { get; }

    /// <summary>Its <c>spec.continuous</c>, parsed.</summary>
    public ContinuousSettings Settings { get; }

    /// <summary>The source volume.</summary>
    public FileStorage Source { get; }

    /// <summary>The destinations watched, in spec order.</summary>
    public IReadOnlyList<(MirrorDestination Destination, SyncPair Pair)> Destinations { get; }

    /// <summary>Opens the source and the destinations.</summary>
    /// <param name="mirror">The mirror, defaults applied.</param>
    /// <param name="sourceEnvironment">The runner environment of the source (<see cref="RunnerContract"/>).</param>
    /// <param name="destinations">The destinations to watch, each with its runner environment (as a runner pod of its
    /// child SyncJob would read it: <c>FERRY_DESTINATION_...</c>).</param>
    /// <param name="filesFrom">The <c>filesFrom</c> list, or <see langword="null"/>.</param>
    /// <param name="engine">Reporting and clock of the engines.</param>
    /// <returns>The opened watcher.</returns>
    /// <exception cref="ConfigurationException">The mirror is not continuous, a trigger field is malformed, the source is
    /// not a volume or is not mounted, or a destination cannot be opened (the message names it).</exception>
    public static MirrorWatcher Open(ReplicaMirror mirror, Func<string, string?> sourceEnvironment,
        IReadOnlyList<(MirrorDestination Destination, Func<string, string?> Environment)> destinations, IReadOnlyList<string>? filesFrom, SyncEngineSettings engine)
    {
        MirrorTrigger trigger = UserInput.Open(() => MirrorTrigger.Parse(mirror.Spec));
        ContinuousSettings settings = trigger.Continuous ?? throw new ConfigurationException("spec.continuous is not set: the mirror is not continuous");
        if (mirror.Spec.Source.Volume is null)
        {
            throw new ConfigurationException("continuous needs a volume source; use interval");
        }

        var storages = new List<IObjectStorage>();
        try
        {
            var source = (FileStorage)UserInput.Open(() => SyncJobTranslator.CreateStorage(mirror.Spec.Source, destination: false, sourceEnvironment));
            storages.Add(source);
            var pairs = new List<(MirrorDestination, SyncPair)>();
            foreach ((MirrorDestination destination, Func<string, string?> environment) in destinations)
            {
                SyncJob child = MirrorChildren.Build(mirror, destination, DateTimeOffset.UnixEpoch, "full-sync", null);
                IObjectStorage storage = UserInput.Open(() => SyncJobTranslator.CreateStorage(child.Spec.Destination, destination: true, environment));
                storages.Add(storage);
                pairs.Add((destination, new SyncPair(destination.Name, source, storage, SyncJobTranslator.ToOptions(child.Spec, filesFrom), engine)));
            }

            return new MirrorWatcher(mirror, settings, source, pairs, storages);
        }
        catch
        {
            foreach (IObjectStorage storage in storages)
            {
                storage.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }
    }

    /// <summary>The watch settings of the mirror.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="periodicFullSyncs">Whether the watch runs <c>fullSyncInterval</c> itself (in this process) or leaves
    /// it to the operator.</param>
    /// <returns>The settings.</returns>
    public WatchSettings WatchSettings(TimeProvider time, bool periodicFullSyncs) => new()
    {
        Delay = Settings.Delay,
        MaxBatch = Settings.MaxBatch,
        FullSyncInterval = periodicFullSyncs ? Settings.FullSyncInterval : TimeSpan.Zero,
        Time = time,
    };

    /// <summary>A watch of the source directory applying batches to every destination.</summary>
    /// <param name="settings">From <see cref="WatchSettings"/>.</param>
    /// <param name="fullSyncs">Runs the full syncs.</param>
    /// <param name="observer">Receives what happens.</param>
    /// <returns>The watch, not started.</returns>
    public ContinuousSync Watch(WatchSettings settings, IFullSyncRunner fullSyncs, IWatchObserver observer) =>
        new(settings, (onChange, onProblem) => new FileSystemChangeSource(Source.Root, "", onChange, onProblem), [.. Destinations.Select(d => (IWatchTarget)d.Pair)], fullSyncs, observer);

    public async ValueTask DisposeAsync()
    {
        foreach (IObjectStorage storage in _storages)
        {
            await storage.DisposeAsync().ConfigureAwait(false);
        }
    }
}
