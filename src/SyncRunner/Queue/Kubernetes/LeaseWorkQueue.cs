using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Ferry.Api;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Keys;
using k8s;
using k8s.Models;
using KubernetesException = Ferry.Kube.Errors.KubernetesException;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>
/// The work queue of a SyncJob run shared by many runner processes, kept in <c>coordination.k8s.io/v1</c> Lease
/// objects: one scan Lease (holder, checkpointed cursor, number of tasks published, outcome) and one Lease per range
/// task (range, state, attempts, last key and counters in annotations).
/// </summary>
/// <remarks>
/// <para>Follows DESIGN.md, "Distributed work: the lease-coordinated queue", and the contract in
/// <c>Ferry.Api.Runs</c> (<see cref="RunLabels"/>, <see cref="RunAnnotations"/>, <see cref="RunNames"/>). Every change
/// is one update of a whole Lease with the <c>resourceVersion</c> read; a 409 Conflict on a claim means another worker
/// won, on a holder's own write it is re-read and retried while the Lease is still its own.</para>
/// <para>Expiry is judged as client-go's leader election does: by this process's clock, from the moment it first saw
/// the Lease's current <c>resourceVersion</c>, never by comparing <c>renewTime</c> with a clock of another machine.</para>
/// <para>API traffic: a claim, a renewal every third of the lease duration per held Lease (which also publishes the
/// last checkpoint), completion, and one list per <see cref="LeaseWorkQueueOptions.PollInterval"/> while a worker
/// waits. Nothing is sent per object. <see cref="CheckpointAsync"/> only records in memory.</para>
/// <para>Leases are never re-created once seen: a scan Lease that disappears (the SyncJob was deleted and its Leases
/// garbage-collected) ends the worker's part with <see cref="RunGoneException"/>.</para>
/// </remarks>
public sealed class LeaseWorkQueue : IWorkQueue, IAsyncDisposable
{
    private const int MaxWriteRetries = 20;
    private const int MaxAnnotationText = 1024;

    private readonly IKubernetesClient _client;
    private readonly LeaseWorkQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (string? Version, long SeenAt)> _observed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly string _scanName;
    private readonly CancellationTokenSource _disposed = new();
    private Held? _scan;
    private long _requests;
    private long _scanSeenAt = -1;

    /// <summary>Creates the queue; nothing is sent until a method is called.</summary>
    /// <param name="client">The Kubernetes API client (needs get/list/create/update on leases).</param>
    /// <param name="options">The run and the timing.</param>
    public LeaseWorkQueue(IKubernetesClient client, LeaseWorkQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options;
        _time = options.Time;
        _scanName = RunNames.ScanLease(options.SyncJobName);
    }

    /// <summary>The number of API requests this queue has sent (for measurements).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    private int LeaseSeconds => Math.Max(1, (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds));

    /// <inheritdoc/>
    public async Task<string?> GetScanCursorAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is null ? null : Annotation(scan, RunAnnotations.Cursor);
    }

    /// <inheritdoc/>
    public async Task<bool> IsScanDoneAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is not null && Annotation(scan, RunAnnotations.ScanState) == ScanStates.Done;
    }

    /// <inheritdoc/>
    public async Task<ScanLease?> AcquireScanAsync(string holderIdentity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holderIdentity);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_scan is { } mine && !mine.LostToken.IsCancellationRequested && !mine.Finished)
            {
                return new ScanLease(holderIdentity) { Lost = mine.LostToken };
            }

            V1Lease? scan = await GetScanCheckedAsync(cancellationToken).ConfigureAwait(false);
            V1Lease? acquired = null;
            if (scan is null)
            {
                V1Lease created = NewLease(_scanName, LeaseRoles.Scan);
                created.Metadata.Annotations![RunAnnotations.ScanState] = ScanStates.Running;
                created.Metadata.Annotations[RunAnnotations.TasksPublished] = "0";
                Hold(created, holderIdentity, takeover: false);
                try
                {
                    acquired = await SendAsync(ct => _client.CreateAsync(KubeResources.Leases, _options.Namespace, created, null, ct), cancellationToken).ConfigureAwait(false);
                    MarkScanSeen();
                }
                catch (KubernetesApiException e) when (e.IsAlreadyExists || e.IsConflict)
                {
                    continue;
                }
            }
            else if (Annotation(scan, RunAnnotations.ScanState) == ScanStates.Done)
            {
                return null;
            }
            else
            {
                string? holder = scan.Spec?.HolderIdentity;
                bool free = string.IsNullOrEmpty(holder) || holder == holderIdentity;
                if (free || IsExpired(scan))
                {
                    Hold(scan, holderIdentity, takeover: !free);
                    try
                    {
                        acquired = await ReplaceAsync(scan, cancellationToken).ConfigureAwait(false);
                    }
                    catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
                    {
                        acquired = null;
                    }

                    if (acquired is not null && !free)
                    {
                        Log($"took over the expired scan lease from {holder} at cursor '{Annotation(acquired, RunAnnotations.Cursor)}'");
                    }
                }
            }

            if (acquired is not null)
            {
                var held = new Held(acquired, holderIdentity, l => l.Spec?.HolderIdentity == holderIdentity && Annotation(l, RunAnnotations.ScanState) != ScanStates.Done);
                _scan = held;
                held.RenewLoop = Task.Run(() => RenewLoopAsync(held));
                return new ScanLease(holderIdentity) { Lost = held.LostToken };
            }

            await DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">This worker does not hold the scan lease (or lost it), or a task
    /// Lease of that number exists with another range.</exception>
    public async Task<RangeTask> PublishAsync(KeyRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        Held scan = _scan ?? throw new InvalidOperationException("this worker does not hold the scan lease");
        await scan.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (scan.LostToken.IsCancellationRequested || scan.Finished)
            {
                throw new InvalidOperationException("the scan lease was lost");
            }

            int index = ParseInt(Annotation(scan.Current, RunAnnotations.TasksPublished));
            string name = RunNames.TaskLease(_options.SyncJobName, LeaseRoles.Copy, index);
            await CreateTaskAsync(name, LeaseRoles.Copy, range, cancellationToken).ConfigureAwait(false);
            await WriteAsync(scan, l =>
            {
                SetAnnotation(l, RunAnnotations.Cursor, range.End ?? "");
                SetAnnotation(l, RunAnnotations.TasksPublished, (index + 1).ToString(CultureInfo.InvariantCulture));
            }, cancellationToken).ConfigureAwait(false);
            return new RangeTask(name, RangeTaskPhase.Copy, range);
        }
        finally
        {
            scan.Gate.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">This worker does not hold the scan lease (or lost it).</exception>
    public async Task CompleteScanAsync(CancellationToken cancellationToken = default)
    {
        Held scan = _scan ?? throw new InvalidOperationException("this worker does not hold the scan lease");
        await scan.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAsync(scan, l => SetAnnotation(l, RunAnnotations.ScanState, ScanStates.Done), cancellationToken).ConfigureAwait(false);
            scan.Finish();
        }
        finally
        {
            scan.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<int> PublishDeleteTasksAsync(CancellationToken cancellationToken = default)
    {
        List<V1Lease> leases = await ListRunAsync(cancellationToken).ConfigureAwait(false);
        V1Lease? scan = leases.Find(l => Role(l) == LeaseRoles.Scan);
        List<V1Lease> copies = Ordered(leases, LeaseRoles.Copy);
        if (scan is null || Annotation(scan, RunAnnotations.ScanState) != ScanStates.Done || copies.Any(c => Annotation(c, RunAnnotations.State) != TaskStates.Done))
        {
            throw new InvalidOperationException("delete tasks are published only after every copy task is done");
        }

        if (Annotation(scan, RunAnnotations.DeleteTasksPublished) is not null)
        {
            return 0;
        }

        for (int i = 0; i < copies.Count; i++)
        {
            var range = new KeyRange(Annotation(copies[i], RunAnnotations.RangeStart) ?? "", Annotation(copies[i], RunAnnotations.RangeEnd));
            await CreateTaskAsync(RunNames.TaskLease(_options.SyncJobName, LeaseRoles.Delete, i), LeaseRoles.Delete, range, cancellationToken).ConfigureAwait(false);
        }

        for (int attempt = 0; ; attempt++)
        {
            if (Annotation(scan, RunAnnotations.DeleteTasksPublished) is not null)
            {
                return 0;
            }

            SetAnnotation(scan, RunAnnotations.DeleteTasksPublished, copies.Count.ToString(CultureInfo.InvariantCulture));
            try
            {
                await ReplaceAsync(scan, cancellationToken).ConfigureAwait(false);
                Log($"published {copies.Count} delete task(s)");
                return copies.Count;
            }
            catch (KubernetesApiException e) when (e.IsConflict && attempt < MaxWriteRetries)
            {
                scan = await GetAsync(_scanName, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<RangeTaskLease?> ClaimAsync(RangeTaskPhase phase, string holderIdentity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holderIdentity);
        string role = RoleOf(phase);
        while (true)
        {
            List<V1Lease> leases = await ListRunAsync(cancellationToken).ConfigureAwait(false);
            V1Lease? scan = leases.Find(l => Role(l) == LeaseRoles.Scan);
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

            bool scanDone = scan is not null && Annotation(scan, RunAnnotations.ScanState) == ScanStates.Done;
            bool morePossible = phase == RangeTaskPhase.Copy
                ? !scanDone
                : scan is null || Annotation(scan, RunAnnotations.DeleteTasksPublished) is null;
            foreach (V1Lease task in Ordered(leases, role))
            {
                string? state = Annotation(task, RunAnnotations.State);
                bool takeover = false;
                if (state == TaskStates.Running)
                {
                    if (!IsExpired(task))
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
    /// <exception cref="InvalidOperationException">The lease was lost.</exception>
    public Task CheckpointAsync(RangeTaskLease lease, string lastKey, SyncCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        Held held = HeldOf(lease);
        lock (held)
        {
            held.CheckpointKey = lastKey;
            held.CheckpointCounters = counters.ToTaskCounters();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The lease was lost.</exception>
    public async Task CompleteAsync(RangeTaskLease lease, SyncCounters counters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(counters);
        Held held = HeldOf(lease);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TaskCounters final = counters.ToTaskCounters();
            await WriteAsync(held, l =>
            {
                SetAnnotation(l, RunAnnotations.State, TaskStates.Done);
                SetAnnotation(l, RunAnnotations.Counters, final.ToJson());
                l.Spec!.RenewTime = _time.GetUtcNow().UtcDateTime;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release(held);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The lease was lost.</exception>
    public async Task<bool> FailAsync(RangeTaskLease lease, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        Held held = HeldOf(lease);
        await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool final = lease.Task.Attempts >= _options.MaxAttempts;
            await WriteAsync(held, l =>
            {
                SetAnnotation(l, RunAnnotations.State, final ? TaskStates.Failed : TaskStates.Pending);
                SetAnnotation(l, RunAnnotations.LastError, Truncate(reason));
                WriteCheckpoint(held, l);
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
        List<V1Lease> leases = await ListRunAsync(cancellationToken).ConfigureAwait(false);
        V1Lease? scan = leases.Find(l => Role(l) == LeaseRoles.Scan);
        var sum = new SyncCounters();
        int pending = 0, running = 0, done = 0, failed = 0;
        foreach (V1Lease task in Ordered(leases, RoleOf(phase)))
        {
            sum.Add(SyncCounters.FromTaskCounters(CountersOf(task)));
            switch (Annotation(task, RunAnnotations.State))
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

        bool scanDone = scan is not null && Annotation(scan, RunAnnotations.ScanState) == ScanStates.Done;
        return new QueueStatus(scanDone, pending, running, done, failed, sum);
    }

    /// <inheritdoc/>
    public async Task<QueueOutcome> SetOutcomeAsync(QueueOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        for (int attempt = 0; ; attempt++)
        {
            V1Lease scan = await GetAsync(_scanName, cancellationToken).ConfigureAwait(false);
            if (OutcomeOf(scan) is { } recorded)
            {
                return recorded;
            }

            SetAnnotation(scan, RunAnnotations.Outcome, outcome.Succeeded ? RunOutcomes.Succeeded : RunOutcomes.Failed);
            if (!outcome.Succeeded)
            {
                SetAnnotation(scan, RunAnnotations.OutcomeReason, Truncate(outcome.Reason ?? "the run failed"));
                SetAnnotation(scan, RunAnnotations.OutcomeCondition, (outcome.Failure ?? RunFailureKind.ObjectsFailed).ToString());
            }

            try
            {
                await ReplaceAsync(scan, cancellationToken).ConfigureAwait(false);
                Log($"run outcome: {(outcome.Succeeded ? RunOutcomes.Succeeded : RunOutcomes.Failed + " (" + outcome.Failure + ")")}");
                return outcome;
            }
            catch (KubernetesApiException e) when (e.IsConflict && attempt < MaxWriteRetries)
            {
            }
        }
    }

    /// <inheritdoc/>
    public async Task<QueueOutcome?> GetOutcomeAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is null ? null : OutcomeOf(scan);
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
            foreach (Held held in _held.Values)
            {
                await HandBackAsync(held, l =>
                {
                    SetAnnotation(l, RunAnnotations.State, TaskStates.Pending);
                    SetAnnotation(l, RunAnnotations.Attempts, Math.Max(0, ParseInt(Annotation(l, RunAnnotations.Attempts)) - 1).ToString(CultureInfo.InvariantCulture));
                    WriteCheckpoint(held, l);
                    l.Spec!.HolderIdentity = null;
                }, timeout.Token).ConfigureAwait(false);
            }

            if (_scan is { } scan)
            {
                await HandBackAsync(scan, l => l.Spec!.HolderIdentity = null, timeout.Token).ConfigureAwait(false);
            }
        }

        await AbandonAsync().ConfigureAwait(false);
    }

    /// <summary>Stops renewing every held Lease without handing it back (as a crashed worker would: they expire and
    /// other workers take them over).</summary>
    internal async Task AbandonAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        var loops = new List<Task>();
        foreach (Held held in _held.Values.Append(_scan).OfType<Held>())
        {
            held.Finish();
            if (held.RenewLoop is { } loop)
            {
                loops.Add(loop);
            }
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task HandBackAsync(Held held, Action<V1Lease> change, CancellationToken cancellationToken)
    {
        try
        {
            await held.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (!held.Finished && !held.LostToken.IsCancellationRequested)
            {
                await WriteAsync(held, change, cancellationToken).ConfigureAwait(false);
                Log($"{held.Current.Metadata.Name}: handed back");
            }
        }
        catch (Exception e) when (e is KubernetesException or InvalidOperationException or OperationCanceledException)
        {
            // It expires instead.
        }
        finally
        {
            held.Finish();
            held.Gate.Release();
        }
    }

    /// <summary>Reads the run's outcome from a scan Lease.</summary>
    internal static QueueOutcome? OutcomeOf(V1Lease scan) => Annotation(scan, RunAnnotations.Outcome) switch
    {
        RunOutcomes.Succeeded => new QueueOutcome(true, null, null),
        RunOutcomes.Failed => new QueueOutcome(false, Annotation(scan, RunAnnotations.OutcomeReason), RunOutcomes.FailureKind(Annotation(scan, RunAnnotations.OutcomeCondition))),
        _ => null,
    };

    /// <summary>Reads a task Lease's counters (zero when absent or unreadable).</summary>
    internal static TaskCounters CountersOf(V1Lease task) => TaskCounters.Parse(Annotation(task, RunAnnotations.Counters)) ?? new TaskCounters();

    private async Task<RangeTaskLease?> TryClaimAsync(V1Lease task, RangeTaskPhase phase, string holder, bool takeover, CancellationToken cancellationToken)
    {
        int attempts = ParseInt(Annotation(task, RunAnnotations.Attempts));
        string name = task.Metadata.Name!;
        string? previous = task.Spec?.HolderIdentity;
        if (attempts >= _options.MaxAttempts)
        {
            // An expired task with no attempts left fails for good: its holder died on every attempt.
            SetAnnotation(task, RunAnnotations.State, TaskStates.Failed);
            SetAnnotation(task, RunAnnotations.LastError, Truncate($"the lease of attempt {attempts} expired (holder {previous})"));
            try
            {
                await ReplaceAsync(task, cancellationToken).ConfigureAwait(false);
                Log($"{name}: failed for good, the lease of attempt {attempts} expired");
            }
            catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
            {
            }

            return null;
        }

        Hold(task, holder, takeover);
        SetAnnotation(task, RunAnnotations.State, TaskStates.Running);
        SetAnnotation(task, RunAnnotations.Attempts, (attempts + 1).ToString(CultureInfo.InvariantCulture));
        V1Lease claimed;
        try
        {
            claimed = await ReplaceAsync(task, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
        {
            return null;
        }

        if (takeover)
        {
            Log($"{name}: took over the expired lease of {previous} (attempt {attempts + 1}, resuming after '{Annotation(claimed, RunAnnotations.LastKey)}')");
        }

        var rangeTask = new RangeTask(name, phase, new KeyRange(Annotation(claimed, RunAnnotations.RangeStart) ?? "", Annotation(claimed, RunAnnotations.RangeEnd)))
        {
            State = RangeTaskState.Running,
            Attempts = attempts + 1,
            LastKey = Annotation(claimed, RunAnnotations.LastKey),
            Counters = SyncCounters.FromTaskCounters(CountersOf(claimed)),
        };
        int mine = attempts + 1;
        var held = new Held(claimed, holder, l => l.Spec?.HolderIdentity == holder
            && ParseInt(Annotation(l, RunAnnotations.Attempts)) == mine
            && Annotation(l, RunAnnotations.State) == TaskStates.Running)
        {
            CheckpointKey = rangeTask.LastKey,
            CheckpointCounters = CountersOf(claimed),
        };
        _held[name] = held;
        held.RenewLoop = Task.Run(() => RenewLoopAsync(held));
        return new RangeTaskLease(rangeTask, holder) { Lost = held.LostToken };
    }

    private async Task CreateTaskAsync(string name, string role, KeyRange range, CancellationToken cancellationToken)
    {
        V1Lease lease = NewLease(name, role);
        SetAnnotation(lease, RunAnnotations.RangeStart, range.Start);
        if (range.End is not null)
        {
            SetAnnotation(lease, RunAnnotations.RangeEnd, range.End);
        }

        SetAnnotation(lease, RunAnnotations.State, TaskStates.Pending);
        SetAnnotation(lease, RunAnnotations.Attempts, "0");
        lease.Spec = new V1LeaseSpec { LeaseDurationSeconds = LeaseSeconds };
        try
        {
            await SendAsync(ct => _client.CreateAsync(KubeResources.Leases, _options.Namespace, lease, null, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            // Published before a crash (or by another worker): fine when it is the same range.
            V1Lease existing = await GetAsync(name, cancellationToken).ConfigureAwait(false);
            if ((Annotation(existing, RunAnnotations.RangeStart) ?? "") != range.Start || Annotation(existing, RunAnnotations.RangeEnd) != range.End)
            {
                throw new InvalidOperationException($"task Lease {name} exists with another range than {range}");
            }
        }
    }

    private async Task RenewLoopAsync(Held held)
    {
        TimeSpan interval = _options.LeaseDuration / 3;
        while (!held.Stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, held.Stop.Token).ConfigureAwait(false);
                await held.Gate.WaitAsync(held.Stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (held.Finished)
                {
                    return;
                }

                await WriteAsync(held, l =>
                {
                    l.Spec ??= new V1LeaseSpec();
                    l.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
                    if (Role(l) != LeaseRoles.Scan)
                    {
                        WriteCheckpoint(held, l);
                    }
                }, held.Stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (InvalidOperationException)
            {
                return; // lost: WriteAsync cancelled the holder's work
            }
            catch (KubernetesException e)
            {
                // No answer or a server error: the lease is still ours until it expires; try again next time.
                Log($"{held.Current.Metadata.Name}: renewal failed ({e.Message}); retrying");
            }
            finally
            {
                held.Gate.Release();
            }
        }
    }

    /// <summary>Applies <paramref name="change"/> to the holder's Lease and writes it; on 409 re-reads it and retries
    /// while it is still the holder's. Throws <see cref="InvalidOperationException"/> (and cancels the holder's work)
    /// when it is not.</summary>
    private async Task WriteAsync(Held held, Action<V1Lease> change, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            V1Lease current = held.Current;
            if (!held.StillMine(current))
            {
                throw Lose(held, "another worker holds it");
            }

            change(current);
            try
            {
                held.Current = await ReplaceAsync(current, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                throw Lose(held, "the Lease is gone");
            }
            catch (KubernetesApiException e) when (e.IsConflict && attempt < MaxWriteRetries)
            {
                V1Lease? fresh = await TryGetAsync(current.Metadata.Name!, cancellationToken).ConfigureAwait(false);
                held.Current = fresh ?? throw Lose(held, "the Lease is gone");
            }
        }
    }

    private InvalidOperationException Lose(Held held, string why)
    {
        string name = held.Current.Metadata.Name ?? "?";
        if (!held.LostToken.IsCancellationRequested)
        {
            Log($"{name}: lease lost ({why}); stopping work on it");
        }

        held.Lose();
        _held.TryRemove(new KeyValuePair<string, Held>(name, held));
        return new InvalidOperationException($"the lease on {name} was lost: {why}");
    }

    private void WriteCheckpoint(Held held, V1Lease lease)
    {
        string? key;
        TaskCounters? counters;
        lock (held)
        {
            key = held.CheckpointKey;
            counters = held.CheckpointCounters;
        }

        if (key is not null)
        {
            SetAnnotation(lease, RunAnnotations.LastKey, key);
        }

        if (counters is not null)
        {
            SetAnnotation(lease, RunAnnotations.Counters, counters.ToJson());
        }
    }

    private void Release(Held held)
    {
        held.Finish();
        _held.TryRemove(new KeyValuePair<string, Held>(held.Current.Metadata.Name!, held));
        held.Gate.Release();
    }

    private Held HeldOf(RangeTaskLease lease) =>
        _held.TryGetValue(lease.Task.Id, out Held? held) && !held.LostToken.IsCancellationRequested && held.Holder == lease.HolderIdentity
            ? held
            : throw new InvalidOperationException($"the lease on task {lease.Task.Id} was lost");

    /// <summary>Reads the scan Lease. Throws <see cref="RunGoneException"/> when it is missing although an earlier
    /// answer, received before this request was sent, showed it: it was deleted (not merely not created yet).</summary>
    private async Task<V1Lease?> GetScanCheckedAsync(CancellationToken cancellationToken)
    {
        long before = Interlocked.Read(ref _requests);
        V1Lease? scan = await TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        if (scan is not null)
        {
            MarkScanSeen();
            return scan;
        }

        long seen = Interlocked.Read(ref _scanSeenAt);
        if (seen >= 0 && seen <= before)
        {
            throw new RunGoneException($"the scan Lease {_scanName} is gone (the SyncJob was deleted?)");
        }

        return null;
    }

    /// <summary>Records, as the number of requests sent so far, when an answer first showed the scan Lease.</summary>
    private void MarkScanSeen() => Interlocked.CompareExchange(ref _scanSeenAt, Interlocked.Read(ref _requests), -1);

    /// <summary>Whether a Lease held by another worker has gone unrenewed for its duration, by this process's clock
    /// since it first saw the Lease's current <c>resourceVersion</c>.</summary>
    private bool IsExpired(V1Lease lease)
    {
        string name = lease.Metadata.Name!;
        string? version = lease.Metadata.ResourceVersion;
        long now = _time.GetTimestamp();
        (string? Version, long SeenAt) seen = _observed.AddOrUpdate(name, (version, now), (_, old) => old.Version == version ? old : (version, now));
        TimeSpan duration = TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? LeaseSeconds);
        return _time.GetElapsedTime(seen.SeenAt, now) >= duration;
    }

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

    private V1Lease NewLease(string name, string role) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = _options.Namespace,
            Labels = new Dictionary<string, string>
            {
                [RunLabels.SyncJob] = _options.SyncJobName,
                [RunLabels.Run] = _options.RunUid,
                [RunLabels.LeaseRole] = role,
                [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
            },
            Annotations = new Dictionary<string, string>(),
            OwnerReferences =
            [
                new V1OwnerReference
                {
                    ApiVersion = ApiGroup.ApiVersion,
                    Kind = SyncJob.KindName,
                    Name = _options.SyncJobName,
                    Uid = _options.RunUid,
                    Controller = false,
                    BlockOwnerDeletion = false,
                },
            ],
        },
        Spec = new V1LeaseSpec { LeaseDurationSeconds = LeaseSeconds },
    };

    private async Task<List<V1Lease>> ListRunAsync(CancellationToken cancellationToken)
    {
        KubeList<V1Lease> list = await SendAsync(
            ct => _client.ListAllAsync(KubeResources.Leases, _options.Namespace, $"{RunLabels.Run}={_options.RunUid}", 500, ct), cancellationToken).ConfigureAwait(false);
        return list.Items;
    }

    private Task<V1Lease> GetAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.GetAsync(KubeResources.Leases, _options.Namespace, name, null, ct), cancellationToken);

    private Task<V1Lease?> TryGetAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.TryGetAsync(KubeResources.Leases, _options.Namespace, name, ct), cancellationToken);

    private Task<V1Lease> ReplaceAsync(V1Lease lease, CancellationToken cancellationToken) =>
        SendAsync(ct => _client.ReplaceAsync(KubeResources.Leases, _options.Namespace, lease.Metadata.Name!, lease, null, ct), cancellationToken);

    /// <summary>Sends one request, retrying transient failures (no answer, 5xx, 429) a few times with backoff.</summary>
    private async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            Interlocked.Increment(ref _requests);
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesException e) when (IsTransient(e) && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(KubernetesException e) => e switch
    {
        KubernetesApiException api => api.IsTransient,
        KubernetesTransportException transport => transport.IsTransient,
        _ => false,
    };

    private Task DelayAsync(CancellationToken cancellationToken)
    {
        double factor = 0.75 + (Random.Shared.NextDouble() * 0.5);
        return Task.Delay(_options.PollInterval * factor, _time, cancellationToken);
    }

    private void Log(string line) => _options.Log?.Invoke(line);

    private static string RoleOf(RangeTaskPhase phase) => phase == RangeTaskPhase.Copy ? LeaseRoles.Copy : LeaseRoles.Delete;

    private static string? Role(V1Lease lease) => lease.GetLabel(RunLabels.LeaseRole);

    private static List<V1Lease> Ordered(List<V1Lease> leases, string role) =>
        leases.Where(l => Role(l) == role).OrderBy(l => IndexOf(l.Metadata.Name!)).ThenBy(l => l.Metadata.Name, StringComparer.Ordinal).ToList();

    private static int IndexOf(string name)
    {
        int dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue;
    }

    private static string? Annotation(V1Lease lease, string key) => lease.GetAnnotation(key);

    private static void SetAnnotation(V1Lease lease, string key, string value) => (lease.Metadata.Annotations ??= new Dictionary<string, string>())[key] = value;

    private static int ParseInt(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : 0;

    private static string Truncate(string text) => text.Length <= MaxAnnotationText ? text : text[..MaxAnnotationText];

    /// <summary>A Lease this worker holds: the last version written, the checkpoint to publish, and the renewal loop.</summary>
    private sealed class Held(V1Lease current, string holder, Func<V1Lease, bool> stillMine)
    {
        private readonly CancellationTokenSource _lost = new();

        public V1Lease Current { get; set; } = current;

        public string Holder { get; } = holder;

        public Func<V1Lease, bool> StillMine { get; } = stillMine;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CancellationTokenSource Stop { get; } = new();

        public CancellationToken LostToken => _lost.Token;

        public Task? RenewLoop { get; set; }

        public bool Finished { get; private set; }

        public string? CheckpointKey { get; set; }

        public TaskCounters? CheckpointCounters { get; set; }

        public void Finish()
        {
            Finished = true;
            Stop.Cancel();
        }

        public void Lose()
        {
            Finish();
            _lost.Cancel();
        }
    }
}
