using Ferry.Api;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Queue.Kubernetes;

namespace Ferry.SyncRunner.Watching;

/// <summary>
/// A continuous mirror's full syncs as the watcher pod sees them: the operator runs them as child SyncJobs (the heavy
/// part stays spread over the mirror's workers). The watcher asks with <see cref="WatcherState.FullSyncRequested"/> in
/// its Lease and waits until every destination it applies batches to has finished a run for a slot at or after the
/// request; batches wait while any of those destinations has a run in progress (the operator's periodic full syncs
/// included).
/// </summary>
/// <remarks>One GET of the mirror per batch and one every <paramref name="poll"/> while a full sync runs: API requests
/// grow with batches and full syncs, never with keys.</remarks>
/// <param name="client">The API client.</param>
/// <param name="mirror">The mirror (namespace, name).</param>
/// <param name="lease">The watcher's Lease, where the request is written.</param>
/// <param name="pairs">The destinations batches are applied to.</param>
/// <param name="time">The clock.</param>
/// <param name="poll">How often to read the mirror while a full sync runs.</param>
/// <param name="log">Receives one line per request.</param>
internal sealed class OperatorFullSyncs(IKubernetesClient client, ReplicaMirror mirror, WatcherLease lease, IReadOnlyList<SyncPair> pairs, TimeProvider time, TimeSpan poll, Action<string> log)
    : IFullSyncRunner
{
    private readonly string _namespace = mirror.Metadata.NamespaceProperty ?? "default";
    private readonly string _name = mirror.Metadata.Name!;
    private DateTimeOffset _lastSlot = DateTimeOffset.MinValue;

    /// <summary>How long a request may go without any destination's full sync starting before this watcher gives up
    /// on it for now (the operator is down, or a destination cannot run): batches go on and the request is made again
    /// after a back-off. A full sync in progress is waited for however long it takes. <value>Default: 5 min.</value></summary>
    public TimeSpan NotStartedTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many times the mirror was read (tests count them).</summary>
    public int Reads { get; private set; }

    public async Task<FullSyncResult> RunAsync(string reason, CancellationToken cancellationToken)
    {
        // The operator serves a request with a slot after the destination's last one: ask for a later second than any
        // slot seen, so that a request right after a full sync started is not taken for served.
        DateTimeOffset now = MirrorTrigger.Truncate(time.GetUtcNow());
        DateTimeOffset requested = now > _lastSlot ? now : _lastSlot + TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await lease.PublishAsync(s =>
                {
                    s.FullSyncRequested = requested;
                    s.FullSyncReason = reason;
                }, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (KubernetesException e)
            {
                log($"writing the full sync request failed: {e.Message}; retrying");
                await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
            }
        }

        log($"asked the operator for a full sync ({reason}) of slot {MirrorChildren.FormatTime(requested)}");
        long asked = time.GetTimestamp();
        while (true)
        {
            ReplicaMirror? current = await TryReadAsync(cancellationToken).ConfigureAwait(false);
            var statuses = pairs.Select(p => current?.Status?.Destinations?.FirstOrDefault(d => d.Name == p.Name)).ToList();
            if (current is not null && statuses.All(d => d?.LastResult?.ScheduledTime is { } slot && slot >= requested && d.Active is null))
            {
                return await ResultAsync(statuses!, cancellationToken).ConfigureAwait(false);
            }

            bool started = statuses.Any(d => d?.Active is not null || d?.LastScheduleTime >= requested);
            if (!started && time.GetElapsedTime(asked) > NotStartedTimeout)
            {
                string message = $"no full sync started within {Ferry.Api.Common.GoDuration.Format(NotStartedTimeout)} of the request (is the operator running? is a destination broken?)";
                log(message + "; batches go on, the request is made again");
                return new FullSyncResult(false, new SyncCounters(), new Dictionary<string, string>(), KeysKnown: false, message);
            }

            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<bool> IsBusyAsync(CancellationToken cancellationToken)
    {
        // Unreadable (the API server is away for a moment): hold the batch and look again.
        ReplicaMirror? current = await TryReadAsync(cancellationToken).ConfigureAwait(false);
        return current is null || pairs.Any(p => current.Status?.Destinations?.FirstOrDefault(d => d.Name == p.Name)?.Active is not null);
    }

    private async Task<ReplicaMirror?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesException e) when (e is not KubernetesApiException { IsNotFound: true })
        {
            log($"reading the ReplicaMirror failed: {e.Message}; retrying");
            return null;
        }
    }

    private async Task<ReplicaMirror> ReadAsync(CancellationToken cancellationToken)
    {
        ReplicaMirror current;
        try
        {
            current = await client.GetAsync(ApiResources.ReplicaMirrors, _namespace, _name, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            throw new RunGoneException($"ReplicaMirror {_namespace}/{_name} is gone: nothing to watch for");
        }

        Reads++;
        if (current.Metadata.Uid != mirror.Metadata.Uid)
        {
            throw new RunGoneException($"ReplicaMirror {_namespace}/{_name} was re-created: this watcher belongs to the old one");
        }

        foreach (MirrorDestinationStatus d in current.Status?.Destinations ?? [])
        {
            if (d.LastScheduleTime is { } slot && slot > _lastSlot)
            {
                _lastSlot = slot;
            }
        }

        return current;
    }

    private async Task<FullSyncResult> ResultAsync(IReadOnlyList<MirrorDestinationStatus> statuses, CancellationToken cancellationToken)
    {
        var counters = new SyncCounters();
        var failures = new List<string>();
        for (int i = 0; i < pairs.Count; i++)
        {
            MirrorRunResult run = statuses[i].LastResult!;
            if (run.Result != MirrorSyncResult.Succeeded)
            {
                failures.Add($"{pairs[i].Name}: {run.SyncJob} {run.Result} ({run.Reason}: {run.Message})");
            }

            try
            {
                SyncJob child = await client.GetAsync(ApiResources.SyncJobs, _namespace, run.SyncJob, null, cancellationToken).ConfigureAwait(false);
                SyncProgress p = child.Status?.Progress ?? new SyncProgress();
                counters.Add(ProgressCounters.From(p));
                if (run.Result == MirrorSyncResult.Succeeded)
                {
                    pairs[i].FullSyncRanElsewhere((p.Copied ?? 0) + (p.Skipped ?? 0));
                }
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                // Pruned already: the mirror's status still holds the result.
            }
        }

        bool succeeded = failures.Count == 0;
        return new FullSyncResult(succeeded, counters, new Dictionary<string, string>(), KeysKnown: succeeded, succeeded ? null : string.Join("; ", failures));
    }
}
