using Ferry.Api.Runs;
using Ferry.Kube.Errors;
using k8s.Models;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>A Lease this worker holds (the scan Lease or a task Lease): the version last written, the renewals that keep
/// it, every write made while holding it, and its loss.</summary>
/// <remarks>
/// <para>Renewal: every third of the lease duration one update sets <c>spec.renewTime</c> and, on a task Lease, publishes
/// the last checkpoint (<see cref="SetCheckpoint"/>) in the same write. A renewal that gets no answer or a server
/// error is tried again next time: the lease stays this worker's until it expires.</para>
/// <para>Writes (<see cref="WriteAsync"/>) apply a change to the current version and replace the Lease; on 409 Conflict
/// they re-read it and try again while it is still this worker's (<c>stillMine</c>). When it is not, or the Lease is
/// gone, the hold is lost: <see cref="LostToken"/> is cancelled and <see cref="LeaseLostException"/> thrown.</para>
/// <para><see cref="Gate"/> serialises the renewals with the holder's own writes (publish, complete, fail, hand back).</para>
/// </remarks>
internal sealed class HeldLease
{
    private readonly CancellationTokenSource _lost = new();
    private readonly Lock _checkpointLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<V1Lease, bool> _stillMine;
    private readonly RunLeaseClient _leases;
    private readonly LeaseWorkQueueOptions _options;
    private readonly Action<HeldLease> _onLost;
    private readonly bool _publishesCheckpoint;
    private string? _checkpointKey;
    private TaskCounters? _checkpointCounters;
    private Task? _renewals;

    /// <param name="current">The Lease as the claim or acquisition wrote it.</param>
    /// <param name="holder">This worker's holderIdentity.</param>
    /// <param name="stillMine">Whether a version read later is still this hold's (holder, attempt, state).</param>
    /// <param name="leases">The requests.</param>
    /// <param name="options">The lease duration, clock and log.</param>
    /// <param name="onLost">Called once when the hold is lost.</param>
    public HeldLease(V1Lease current, string holder, Func<V1Lease, bool> stillMine, RunLeaseClient leases, LeaseWorkQueueOptions options, Action<HeldLease> onLost)
    {
        Current = current;
        Holder = holder;
        _stillMine = stillMine;
        _leases = leases;
        _options = options;
        _onLost = onLost;
        _publishesCheckpoint = RunLeases.Role(current) != LeaseRoles.Scan;
        Name = current.Metadata.Name!;
    }

    /// <summary>The Lease's name.</summary>
    public string Name { get; }

    /// <summary>The version last written or read by this hold.</summary>
    public V1Lease Current { get; private set; }

    /// <summary>This worker's holderIdentity.</summary>
    public string Holder { get; }

    /// <summary>Taken around every write of the Lease.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Cancelled when the hold is lost.</summary>
    public CancellationToken LostToken => _lost.Token;

    /// <summary>Whether the hold ended (finished, handed back, abandoned or lost): no more renewals.</summary>
    public bool Finished { get; private set; }

    /// <summary>Whether the hold is still live: neither finished nor lost.</summary>
    public bool IsLive => !Finished && !_lost.IsCancellationRequested;

    /// <summary>Starts the renewals.</summary>
    public void StartRenewing() => _renewals = Task.Run(RenewLoopAsync);

    /// <summary>Records the checkpoint the next renewal (or hand-back, or failure) publishes; nothing is sent.</summary>
    /// <param name="lastKey">The last key finished in order, or <see langword="null"/> for none yet.</param>
    /// <param name="counters">The task's counters as of <paramref name="lastKey"/>.</param>
    public void SetCheckpoint(string? lastKey, TaskCounters? counters)
    {
        lock (_checkpointLock)
        {
            _checkpointKey = lastKey;
            _checkpointCounters = counters;
        }
    }

    /// <summary>Writes the recorded checkpoint into <paramref name="lease"/> (last key and counters, where recorded).</summary>
    /// <param name="lease">The version about to be written.</param>
    public void WriteCheckpoint(V1Lease lease)
    {
        string? key;
        TaskCounters? counters;
        lock (_checkpointLock)
        {
            key = _checkpointKey;
            counters = _checkpointCounters;
        }

        var task = new TaskLeaseFields(lease);
        if (key is not null)
        {
            task.LastKey = key;
        }

        if (counters is not null)
        {
            task.Counters = counters;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the Lease and writes it; on 409 re-reads it and tries again while it
    /// is still this worker's.</summary>
    /// <param name="change">The change, applied to the current version on every attempt.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    /// <exception cref="LeaseLostException">Another worker holds the Lease, or it is gone; the hold is lost.</exception>
    /// <exception cref="KubernetesException">The API server failed (after retries), or conflicts went on.</exception>
    public async Task WriteAsync(Action<V1Lease> change, CancellationToken cancellationToken)
    {
        bool stale = false;
        await _leases.ConflictRetry.ExecuteAsync(
            async ct =>
            {
                if (stale)
                {
                    Current = await _leases.TryGetAsync(Name, ct).ConfigureAwait(false) ?? throw Lose("the Lease is gone");
                }

                V1Lease current = Current;
                if (!_stillMine(current))
                {
                    throw Lose("another worker holds it");
                }

                change(current);
                try
                {
                    Current = await _leases.ReplaceAsync(current, ct).ConfigureAwait(false);
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    throw Lose("the Lease is gone");
                }
                catch (KubernetesApiException e) when (e.IsConflict)
                {
                    stale = true;
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the hold lost: cancels <see cref="LostToken"/> (the holder's work stops), stops the renewals.</summary>
    /// <param name="why">Why, for the log and the exception.</param>
    /// <returns>The exception to throw.</returns>
    public LeaseLostException Lose(string why)
    {
        if (!_lost.IsCancellationRequested)
        {
            Log($"{Name}: lease lost ({why}); stopping work on it");
        }

        Finish();
        _lost.Cancel();
        _onLost(this);
        return new LeaseLostException(Name, why);
    }

    /// <summary>Ends the hold without losing it: no more renewals.</summary>
    public void Finish()
    {
        Finished = true;
        _stop.Cancel();
    }

    /// <summary>Ends the hold and waits for the renewal loop to stop.</summary>
    /// <returns>A task that completes when no renewal runs.</returns>
    public Task StopAsync()
    {
        Finish();
        return _renewals ?? Task.CompletedTask;
    }

    /// <summary>Writes a last change (e.g. "pending again, no holder") unless the hold ended, then ends it. Errors are
    /// ignored: what cannot be handed back expires.</summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Bounds the wait and the write.</param>
    /// <returns>A task that completes when handed back or given up.</returns>
    public async Task HandBackAsync(Action<V1Lease> change, CancellationToken cancellationToken)
    {
        try
        {
            await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (IsLive)
            {
                await WriteAsync(change, cancellationToken).ConfigureAwait(false);
                Log($"{Name}: handed back");
            }
        }
        catch (Exception e) when (e is KubernetesException or LeaseLostException or OperationCanceledException)
        {
            // It expires instead.
        }
        finally
        {
            Finish();
            Gate.Release();
        }
    }

    private async Task RenewLoopAsync()
    {
        TimeSpan interval = _options.LeaseDuration / 3;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _options.Time, _stop.Token).ConfigureAwait(false);
                await Gate.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (Finished)
                {
                    return;
                }

                await WriteAsync(l =>
                {
                    l.Spec ??= new V1LeaseSpec();
                    l.Spec.RenewTime = _options.Time.GetUtcNow().UtcDateTime;
                    if (_publishesCheckpoint)
                    {
                        WriteCheckpoint(l);
                    }
                }, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (LeaseLostException)
            {
                return; // WriteAsync cancelled the holder's work
            }
            catch (KubernetesException e)
            {
                // No answer or a server error: the lease is still ours until it expires; try again next time.
                Log($"{Name}: renewal failed ({e.Message}); retrying");
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    private void Log(string line) => _options.Log?.Invoke(line);
}
