using Ferry.Kube.Errors;
using Ferry.SyncRunner.Queue.Kubernetes;

namespace Ferry.SyncRunner.Watching;

/// <summary>Publishes a watch's state in the watcher's Lease: after each batch, full sync and problem (at most once per
/// <see cref="MinInterval"/>) and at a heartbeat while nothing happens, so that API writes grow with batches, not keys.</summary>
/// <param name="watch">The watch whose state is published.</param>
/// <param name="lease">The Lease.</param>
/// <param name="heartbeat">The longest time between two writes.</param>
/// <param name="time">The clock.</param>
/// <param name="log">Receives a line when a write fails (it is retried at the next heartbeat).</param>
internal sealed class WatcherPublisher(ContinuousSync watch, WatcherLease lease, TimeSpan heartbeat, TimeProvider time, Action<string> log) : IWatchObserver
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>The least time between two writes. <value>Default: 2 s.</value></summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Writes until <paramref name="cancellationToken"/>, then once more.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that ends after the last write.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long last = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    Task signalled = _signal.WaitAsync(wait.Token);
                    await Task.WhenAny(signalled, Task.Delay(heartbeat, time, wait.Token)).ConfigureAwait(false);
                    await wait.CancelAsync().ConfigureAwait(false);
                    await signalled.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                TimeSpan since = time.GetElapsedTime(last);
                if (since < MinInterval)
                {
                    await Task.Delay(MinInterval - since, time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await PublishAsync(CancellationToken.None).ConfigureAwait(false);
            last = time.GetTimestamp();
        }

        await PublishAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Writes the current state now.</summary>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that ends after the write (failures are logged, not thrown).</returns>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        WatchState state = watch.State;
        try
        {
            await lease.PublishAsync(s =>
            {
                s.PendingChanges = state.Pending + state.FailingKeys;
                s.OldestPendingChange = state.OldestPendingChange;
                s.LastBatchTime = state.LastBatch?.Time ?? s.LastBatchTime;
                s.LastBatchKeys = state.LastBatch?.Keys ?? s.LastBatchKeys;
                s.FailingKeys = state.FailingKeys;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubernetesException or HttpRequestException or IOException)
        {
            log($"writing the watcher's Lease failed: {e.Message}; retried at the next heartbeat");
        }
        catch (RunGoneException e)
        {
            // The watch itself ends on it when it next reads the mirror.
            log(e.Message);
        }
    }

    public void FullSyncStarted(string reason) => Signal();

    public void FullSyncFinished(FullSyncReport report) => Signal();

    public void BatchApplied(BatchReport report) => Signal();

    public void Problem(string message) => Signal();

    private void Signal()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }
}
