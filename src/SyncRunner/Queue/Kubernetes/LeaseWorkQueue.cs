using System.Collections.Concurrent;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Leases;
using Ferry.SyncRunner.Keys;
using k8s.Models;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>
/// The work queue of a SyncJob run shared by many runner processes, kept in <c>coordination.k8s.io/v1</c> Lease
/// objects: one scan Lease (holder, checkpointed cursor, number of tasks published, outcome) and one Lease per range
/// task (range, state, attempts, last key and counters in annotations).
/// </summary>
/// <remarks>
/// <para>Follows DESIGN.md, "Distributed work: the lease-coordinated queue", and the contract in
/// <c>Ferry.Api.Runs</c> (<see cref="RunLabels"/>, <see cref="RunAnnotations"/>, <see cref="RunNames"/>), whose
/// annotations it reads and writes only through the codec there (<see cref="TaskLeaseFields"/>,
/// <see cref="ScanLeaseFields"/>, <see cref="RunLeases"/>). This type is the protocol: acquiring the scan, publishing,
/// claiming, completing, failing, the outcome and handing back. Holding a Lease (renewals, the holder's writes, loss)
/// is <see cref="HeldLease"/>; the requests and their retries are <see cref="RunLeaseClient"/>.</para>
/// <para>Every change is one update of a whole Lease with the <c>resourceVersion</c> read; a 409 Conflict on a claim
/// means another worker won, on a holder's own write it is re-read and retried while the Lease is still its own
/// (through Polly, as every retry of the engine).</para>
/// <para>Expiry is judged as client-go's leader election does (<see cref="LeaseObserver"/>): by this process's clock,
/// from the moment it first saw the Lease's current record, never by comparing <c>renewTime</c> with a clock of
/// another machine.</para>
/// <para>API traffic: a claim, a renewal every third of the lease duration per held Lease (which also publishes the
/// last checkpoint), completion, and one list per <see cref="LeaseWorkQueueOptions.PollInterval"/> while a worker
/// waits. Nothing is sent per object. <see cref="CheckpointAsync"/> only records in memory.</para>
/// <para>Leases are never re-created once seen: a scan Lease that disappears (the SyncJob was deleted and its Leases
/// garbage-collected) ends the worker's part with <see cref="RunGoneException"/>.</para>
/// </remarks>
public sealed partial class LeaseWorkQueue : IWorkQueue, IAsyncDisposable
{
    private readonly LeaseWorkQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly RunLeaseClient _leases;
    private readonly LeaseObserver _observer;
    private readonly ConcurrentDictionary<string, HeldLease> _held = new(StringComparer.Ordinal);
    private readonly string _scanName;
    private readonly CancellationTokenSource _disposed = new();
    private HeldLease? _scan;
    private long _scanSeenAt = -1;

    /// <summary>Creates the queue; nothing is sent until a method is called.</summary>
    /// <param name="client">The Kubernetes API client (needs get/list/create/update on leases).</param>
    /// <param name="options">The run and the timing.</param>
    public LeaseWorkQueue(IKubernetesClient client, LeaseWorkQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = options.Time;
        _leases = new RunLeaseClient(client, options);
        _observer = new LeaseObserver(_time, TimeSpan.FromSeconds(LeaseSeconds));
        _scanName = RunNames.ScanLease(options.SyncJobName);
    }

    /// <summary>The number of API requests this queue has sent (for measurements).</summary>
    public long Requests => _leases.Requests;

    private int LeaseSeconds => Math.Max(1, (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds));

    /// <inheritdoc/>
    public async Task<RangeTaskLease?> ClaimAsync(RangeTaskPhase phase, string holderIdentity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holderIdentity);
        string role = RoleOf(phase);
        while (true)
        {
            List<V1Lease> leases = await _leases.ListRunAsync(cancellationToken).ConfigureAwait(false);
            V1Lease? scan = leases.Find(l => RunLeases.Role(l) == LeaseRoles.Scan);
            if (scan is not null)
            {
                MarkScanSeen();
            }
            else
            {
                // A list sent before another worker created the scan Lease is no proof that it is gone: ask again.
                scan = await GetScanCheckedAsync(cancellationToken).ConfigureAwait(false);
            }

            if (scan is not null && OutcomeOf(scan) is { Succeeded: false })
            {
                return null; // the run has failed (a failed listing, maxFailures, maxDelete): no more work
            }

            bool scanDone = scan is not null && new ScanLeaseFields(scan).IsDone;
            bool morePossible = phase == RangeTaskPhase.Copy
                ? !scanDone
                : scan is null || new ScanLeaseFields(scan).DeleteTasksPublished is null;
            foreach (V1Lease task in RunLeases.TasksInOrder(leases, role))
            {
                string? state = new TaskLeaseFields(task).State;
                bool takeover = false;
                if (state == TaskStates.Running)
                {
                    if (!_observer.IsExpired(task))
                    {
                        morePossible = true;
                        continue;
                    }

                    takeover = true;
                }
                else if (state != TaskStates.Pending)
                {
                    continue;
                }

                morePossible = true;
                RangeTaskLease? lease = await TryClaimAsync(task, phase, holderIdentity, takeover, cancellationToken).ConfigureAwait(false);
                if (lease is not null)
                {
                    return lease;
                }
            }

            if (!morePossible)
            {
                return null;
            }

            await DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    /// <exception cref="InvalidOperationException">This worker holds no lease on the task (completed, failed or handed
    /// back).</exception>
    public Task CheckpointAsync(RangeTaskLease lease, string lastKey, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        HeldOf(lease).SetCheckpoint(lastKey, counters.Clone());
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    /// <exception cref="InvalidOperationException">This worker holds no lease on the task.</exception>
    public async Task CompleteAsync(RangeTaskLease lease, TaskCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        HeldLease held = HeldOf(lease);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TaskCounters final = counters.Clone();
            await held.WriteAsync(l =>
            {
                _ = new TaskLeaseFields(l) { State = TaskStates.Done, Counters = final };
                l.Spec!.RenewTime = _time.GetUtcNow().UtcDateTime;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release(held);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    /// <exception cref="InvalidOperationException">This worker holds no lease on the task.</exception>
    public async Task<bool> FailAsync(RangeTaskLease lease, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        HeldLease held = HeldOf(lease);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool final = lease.Task.Attempts >= _options.MaxAttempts;
            await held.WriteAsync(l =>
            {
                _ = new TaskLeaseFields(l) { State = final ? TaskStates.Failed : TaskStates.Pending, LastError = reason };
                held.WriteCheckpoint(l);
            }, cancellationToken).ConfigureAwait(false);
            return final;
        }
        finally
        {
            Release(held);
        }
    }

    /// <inheritdoc/>
    public async Task<QueueStatus> GetStatusAsync(RangeTaskPhase phase, CancellationToken cancellationToken = default)
    {
        List<V1Lease> leases = await _leases.ListRunAsync(cancellationToken).ConfigureAwait(false);
        V1Lease? scan = leases.Find(l => RunLeases.Role(l) == LeaseRoles.Scan);
        var sum = new TaskCounters();
        int pending = 0, running = 0, done = 0, failed = 0;
        foreach (V1Lease lease in RunLeases.TasksInOrder(leases, RoleOf(phase)))
        {
            var task = new TaskLeaseFields(lease);
            if (task.Counters is { } counters)
            {
                sum.Add(counters);
            }

            switch (task.State)
            {
                case TaskStates.Running:
                    running++;
                    break;
                case TaskStates.Done:
                    done++;
                    break;
                case TaskStates.Failed:
                    failed++;
                    break;
                default:
                    pending++;
                    break;
            }
        }

        bool scanDone = scan is not null && new ScanLeaseFields(scan).IsDone;
        return new QueueStatus(scanDone, pending, running, done, failed, sum);
    }

    /// <summary>Hands every Lease still held back (a worker stopped mid-task, e.g. by SIGTERM): task Leases become
    /// pending again with their last checkpoint (the attempt not counted), the scan Lease loses its holder, so that
    /// other workers continue at once instead of after expiry. Then stops the renewals. Errors are ignored: what cannot
    /// be handed back expires.</summary>
    /// <returns>A task that completes when the Leases are handed back (at most about 5 s) and the renewals stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time))
        {
            foreach (HeldLease held in _held.Values)
            {
                await held.HandBackAsync(l =>
                {
                    var task = new TaskLeaseFields(l);
                    task.State = TaskStates.Pending;
                    task.Attempts = Math.Max(0, task.Attempts - 1);
                    held.WriteCheckpoint(l);
                    l.Spec!.HolderIdentity = null;
                }, timeout.Token).ConfigureAwait(false);
            }

            if (_scan is { } scan)
            {
                await scan.HandBackAsync(l => l.Spec!.HolderIdentity = null, timeout.Token).ConfigureAwait(false);
            }
        }

        await AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>Stops renewing every held Lease without handing it back (as a crashed worker would: they expire and
    /// other workers take them over).</summary>
    internal async Task AbandonAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_held.Values.Append(_scan).OfType<HeldLease>().Select(h => h.StopAsync())).ConfigureAwait(false);
    }

    private async Task<RangeTaskLease?> TryClaimAsync(V1Lease task, RangeTaskPhase phase, string holder, bool takeover, CancellationToken cancellationToken)
    {
        var fields = new TaskLeaseFields(task);
        int attempts = fields.Attempts;
        string name = task.Metadata.Name!;
        string? previous = task.Spec?.HolderIdentity;
        if (attempts >= _options.MaxAttempts)
        {
            // An expired task with no attempts left fails for good: its holder died on every attempt.
            fields.State = TaskStates.Failed;
            fields.LastError = $"the lease of attempt {attempts} expired (holder {previous})";
            try
            {
                await _leases.ReplaceAsync(task, cancellationToken).ConfigureAwait(false);
                Log($"{name}: failed for good, the lease of attempt {attempts} expired");
            }
            catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
            {
            }

            return null;
        }

        Hold(task, holder, takeover);
        fields.State = TaskStates.Running;
        fields.Attempts = attempts + 1;
        V1Lease claimed;
        try
        {
            claimed = await _leases.ReplaceAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return null;
        }

        var mine = new TaskLeaseFields(claimed);
        if (takeover)
        {
            Log($"{name}: took over the expired lease of {previous} (attempt {attempts + 1}, resuming after '{mine.LastKey}')");
        }

        var rangeTask = new RangeTask(name, phase, new KeyRange(mine.RangeStart, mine.RangeEnd))
        {
            State = RangeTaskState.Running,
            Attempts = attempts + 1,
            LastKey = mine.LastKey,
            Counters = mine.Counters ?? new TaskCounters(),
        };
        int attempt = attempts + 1;
        var held = new HeldLease(claimed, holder, l =>
        {
            var now = new TaskLeaseFields(l);
            return l.Spec?.HolderIdentity == holder && now.Attempts == attempt && now.State == TaskStates.Running;
        }, _leases, _options, Forget);
        held.SetCheckpoint(rangeTask.LastKey, mine.Counters);
        _held[name] = held;
        held.StartRenewing();
        return new RangeTaskLease(rangeTask, holder) { Lost = held.LostToken };
    }

    private async Task CreateTaskAsync(string name, string role, KeyRange range, CancellationToken cancellationToken)
    {
        V1Lease lease = NewLease(name, role);
        _ = new TaskLeaseFields(lease) { RangeStart = range.Start, RangeEnd = range.End, State = TaskStates.Pending, Attempts = 0 };
        try
        {
            await _leases.CreateAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            // Published before a crash (or by another worker): fine when it is the same range.
            var existing = new TaskLeaseFields(await _leases.GetAsync(name, cancellationToken).ConfigureAwait(false));
            if (existing.RangeStart != range.Start || existing.RangeEnd != range.End)
            {
                throw new InvalidOperationException($"task Lease {name} exists with another range than {range}");
            }
        }
    }

    private void Release(HeldLease held)
    {
        held.Finish();
        _held.TryRemove(new KeyValuePair<string, HeldLease>(held.Name, held));
        held.Gate.Release();
    }

    private void Forget(HeldLease held) => _held.TryRemove(new KeyValuePair<string, HeldLease>(held.Name, held));

    private HeldLease HeldOf(RangeTaskLease lease)
    {
        if (_held.TryGetValue(lease.Task.Id, out HeldLease? held) && !held.LostToken.IsCancellationRequested && held.Holder == lease.HolderIdentity)
        {
            return held;
        }

        if (lease.Lost.IsCancellationRequested)
        {
            throw new LeaseLostException(lease.Task.Id, "another worker holds it, or it is gone");
        }

        throw new InvalidOperationException($"this worker holds no lease on task {lease.Task.Id} (completed, failed or handed back)");
    }

    /// <summary>Makes <paramref name="holder"/> the Lease's holder as of now (a takeover counts a transition).</summary>
    private void Hold(V1Lease lease, string holder, bool takeover)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = holder;
        lease.Spec.AcquireTime = now.UtcDateTime;
        lease.Spec.RenewTime = now.UtcDateTime;
        lease.Spec.LeaseDurationSeconds = LeaseSeconds;
        if (takeover)
        {
            lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
        }
    }

    private V1Lease NewLease(string name, string role) =>
        RunLeases.New(_options.Namespace, _options.SyncJobName, _options.RunUid, role, name, LeaseSeconds);

    private Task DelayAsync(CancellationToken cancellationToken)
    {
        double factor = 0.75 + (Random.Shared.NextDouble() * 0.5);
        return Task.Delay(_options.PollInterval * factor, _time, cancellationToken);
    }

    private void Log(string line) => _options.Log?.Invoke(line);

    private static string RoleOf(RangeTaskPhase phase) => phase == RangeTaskPhase.Copy ? LeaseRoles.Copy : LeaseRoles.Delete;
}
