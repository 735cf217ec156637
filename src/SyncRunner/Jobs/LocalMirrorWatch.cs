using Ferry.Api;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using k8s.Models;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Watching;

namespace Ferry.SyncRunner.Jobs;

/// <summary><c>ferry run -f mirror.yaml</c> on a continuous ReplicaMirror: its watcher, in this process, until
/// interrupted. Full syncs (at the start, after lost events, every <c>fullSyncInterval</c>) run as the child SyncJobs the
/// operator would create (<see cref="MirrorChildren.Build"/>, each a <see cref="LocalRun"/> with the child's workers);
/// batches go to every destination that is not suspended. On SIGINT or SIGTERM the batch in flight finishes and the
/// mirror status the operator would write is printed (JSON), <c>status.continuous</c> included.</summary>
/// <remarks>Exit code 0 when stopped with nothing failing, 1 when keys still fail or the last full sync of a
/// destination failed, 2 for a bad trigger, Secret or volume (before anything ran).</remarks>
internal sealed class LocalMirrorWatch : IFullSyncRunner
{
    private readonly LocalMirrorRun _run;
    private readonly LocalManifests _manifests;
    private readonly IReadOnlyList<Dictionary<string, string>> _environments;
    private readonly int? _workers;
    private readonly Action<string> _onError;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, MirrorDestinationStatus> _statuses = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private IReadOnlyList<(MirrorDestination Destination, SyncPair Pair)> _pairs = [];

    private LocalMirrorWatch(LocalMirrorRun run, LocalManifests manifests, IReadOnlyList<Dictionary<string, string>> environments, int? workers, Action<string> onError, TimeProvider time)
    {
        _run = run;
        _manifests = manifests;
        _environments = environments;
        _workers = workers;
        _onError = onError;
        _time = time;
        foreach (MirrorDestination d in run.Mirror.Spec.Destinations)
        {
            _statuses[d.Name] = new MirrorDestinationStatus { Name = d.Name };
        }
    }

    /// <summary>Runs the watcher until <paramref name="stop"/> and prints the status.</summary>
    /// <param name="mirror">The continuous mirror.</param>
    /// <param name="manifests">The Secrets and ConfigMaps given with it.</param>
    /// <param name="volumes">Claim name → local directory.</param>
    /// <param name="workers">In-process workers of each full sync, or <see langword="null"/> for the child's <c>spec.workers</c>.</param>
    /// <param name="stdout">Where the status goes.</param>
    /// <param name="stderr">Where batches, full syncs and errors go.</param>
    /// <param name="time">The clock.</param>
    /// <param name="stop">Stops the watcher.</param>
    /// <returns>The exit code.</returns>
    /// <exception cref="ConfigurationException">The trigger fields are invalid, a Secret, key or volume mapping is missing,
    /// the source is not a volume, or every destination is suspended.</exception>
    public static async Task<int> RunAsync(ReplicaMirror mirror, LocalManifests manifests, IReadOnlyDictionary<string, string> volumes, int? workers,
        TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken stop)
    {
        var run = LocalMirrorRun.Create(mirror, manifests, time.GetUtcNow());
        IReadOnlyList<Dictionary<string, string>> environments = run.Environments(volumes);
        if (run.Runs.Count == 0)
        {
            throw new ConfigurationException("every destination is suspended: nothing to watch for");
        }

        var console = new WatchConsole(TextWriter.Null, stderr, json: false, quiet: false, time);
        var local = new LocalMirrorWatch(run, manifests, environments, workers, console.Error, time);
        var watcher = MirrorWatcher.Open(run.Mirror, environments[0].GetValueOrDefault,
            [.. run.Runs.Select((r, i) => (r.Destination, (Func<string, string?>)environments[i].GetValueOrDefault))],
            run.Runs[0].Run.FilesFrom(), new SyncEngineSettings { Time = time, OnError = console.Error });
        await using (watcher.ConfigureAwait(false))
        {
            local._pairs = watcher.Destinations;
            ContinuousSync watch = watcher.Watch(watcher.WatchSettings(time, periodicFullSyncs: true), local, console);
            WatchSummary summary = await watch.RunAsync(stop, CancellationToken.None).ConfigureAwait(false);
            console.Summary(summary);
            ReplicaMirrorStatus status = local.Status(watch.State);
            await stdout.WriteLineAsync(LocalMirrorRun.ToJson(status)).ConfigureAwait(false);
            return summary.Failing.Count > 0 || !LocalMirrorRun.Succeeded(status) ? 1 : 0;
        }
    }

    public async Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken)
    {
        DateTimeOffset slot = MirrorTrigger.Truncate(_time.GetUtcNow());
        ReplicaMirror mirror = _run.Mirror;
        using var places = new SemaphoreSlim(mirror.Spec.MaxParallelDestinations ?? Math.Max(1, _run.Runs.Count));
        SyncJob[] children = await Task.WhenAll(_run.Runs.Select(async (r, i) =>
        {
            await places.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SyncJob child = MirrorChildren.Build(mirror, r.Destination, slot, "full-sync", null);
                child.Metadata.CreationTimestamp = slot.UtcDateTime;
                child.Status = await LocalRun.For(child, _manifests).RunAsync(_workers ?? child.Spec.Workers ?? Api.Sync.SyncOptionLimits.DefaultWorkers, _environments[i],
                    line => _onError($"{r.Destination.Name}: {line}"), _time, cancellationToken).ConfigureAwait(false);
                return child;
            }
            finally
            {
                places.Release();
            }
        })).ConfigureAwait(false);

        var counters = new SyncCounters();
        var failures = new List<string>();
        DateTimeOffset now = _time.GetUtcNow();
        lock (_lock)
        {
            for (int i = 0; i < children.Length; i++)
            {
                MirrorDestinationStatus ds = _statuses[_run.Runs[i].Destination.Name];
                ds.LastScheduleTime = slot;
                MirrorRunResult result = ReplicaMirrorStatusBuilder.RecordFinished(ds, children[i], now);
                ds.Phase = children[i].Status?.Phase;
                if (result.Result != MirrorSyncResult.Succeeded)
                {
                    failures.Add($"{ds.Name}: {result.Message}");
                }

                SyncProgress p = children[i].Status?.Progress ?? new SyncProgress();
                if (result.Result == MirrorSyncResult.Succeeded && _pairs.FirstOrDefault(d => d.Destination.Name == ds.Name).Pair is { } pair)
                {
                    // A percentage maxDelete of later batches is taken of this.
                    pair.FullSyncRanElsewhere((p.Copied ?? 0) + (p.Skipped ?? 0));
                }

                counters.Add(ProgressCounters.From(p));
            }
        }

        bool succeeded = failures.Count == 0;
        return new FullSyncResult(succeeded, counters, new Dictionary<string, string>(), KeysKnown: succeeded, succeeded ? null : string.Join("; ", failures));
    }

    public Task<bool> IsBusyAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>The mirror status the operator would write now.</summary>
    private ReplicaMirrorStatus Status(WatchState state)
    {
        ReplicaMirror mirror = _run.Mirror;
        long generation = mirror.Metadata.Generation ?? 1;
        var status = new ReplicaMirrorStatus { ObservedGeneration = generation, Conditions = [] };
        lock (_lock)
        {
            status.Destinations = [.. mirror.Spec.Destinations.Select(d => _statuses[d.Name])];
        }

        status.Continuous = new ContinuousStatus
        {
            PendingChanges = state.Pending + state.FailingKeys,
            OldestPendingChangeTime = state.OldestPendingChange is { } oldest ? MirrorTrigger.Truncate(oldest) : null,
            LastBatchTime = state.LastBatch is { } batch ? MirrorTrigger.Truncate(batch.Time) : null,
            LastBatchKeys = state.LastBatch?.Keys,
            FailingKeys = state.FailingKeys,
            LastFullSyncTime = state.LastFullSync is { } full ? MirrorTrigger.Truncate(full) : null,
        };
        status.Conditions.SetCondition(new V1Condition
        {
            Type = ReplicaMirrorConditionTypes.Ready,
            Status = ConditionStatus.True,
            Reason = ReplicaMirrorConditionReasons.Valid,
            Message = "the spec is valid and every referenced Secret and volume was given",
            ObservedGeneration = generation,
        }, _time);
        status.Conditions.SetCondition(new V1Condition
        {
            Type = ReplicaMirrorConditionTypes.Suspended,
            Status = ConditionStatus.False,
            Reason = ReplicaMirrorConditionReasons.Resumed,
            Message = "spec.suspend is false",
            ObservedGeneration = generation,
        }, _time);
        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan? rpo = _run.Trigger.Rpo(mirror.Spec, now);
        ReplicaMirrorStatusBuilder.Summarize(mirror, status, rpo, _time);
        ContinuousStatusBuilder.Apply(mirror, status, null, rpo ?? TimeSpan.FromMinutes(1), now, _time);
        return status;
    }
}
