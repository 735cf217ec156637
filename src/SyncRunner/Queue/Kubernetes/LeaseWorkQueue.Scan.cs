using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Keys;
using k8s.Models;

namespace Ferry.SyncRunner.Queue.Kubernetes;

/// <summary>The scan Lease's part of the protocol: acquiring the scan, publishing copy tasks with the cursor, completing
/// the scan, publishing the delete tasks, and the run's outcome.</summary>
public sealed partial class LeaseWorkQueue
{
    /// <inheritdoc/>
    public async Task<string?> GetScanCursorAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await _leases.TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is null ? null : new ScanLeaseFields(scan).Cursor;
    }

    /// <inheritdoc/>
    public async Task<bool> IsScanDoneAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await _leases.TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is not null && new ScanLeaseFields(scan).IsDone;
    }

    /// <inheritdoc/>
    public async Task<ScanLease?> AcquireScanAsync(string holderIdentity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(holderIdentity);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_scan is { IsLive: true } mine)
            {
                return new ScanLease(holderIdentity) { Lost = mine.LostToken };
            }

            V1Lease? scan = await GetScanCheckedAsync(cancellationToken).ConfigureAwait(false);
            V1Lease? acquired = null;
            if (scan is null)
            {
                V1Lease created = NewLease(_scanName, LeaseRoles.Scan);
                _ = new ScanLeaseFields(created) { ScanState = ScanStates.Running, TasksPublished = 0 };
                Hold(created, holderIdentity, takeover: false);
                try
                {
                    acquired = await _leases.CreateAsync(created, cancellationToken).ConfigureAwait(false);
                    MarkScanSeen();
                }
                catch (KubernetesApiException e) when (e.IsAlreadyExists || e.IsConflict)
                {
                    continue;
                }
            }
            else if (new ScanLeaseFields(scan).IsDone)
            {
                return null;
            }
            else
            {
                string? holder = scan.Spec?.HolderIdentity;
                bool free = string.IsNullOrEmpty(holder) || holder == holderIdentity;
                if (free || _observer.IsExpired(scan))
                {
                    Hold(scan, holderIdentity, takeover: !free);
                    try
                    {
                        acquired = await _leases.ReplaceAsync(scan, cancellationToken).ConfigureAwait(false);
                    }
                    catch (KubernetesApiException e) when (e.IsConflict || e.IsNotFound)
                    {
                        acquired = null;
                    }

                    if (acquired is not null && !free)
                    {
                        Log($"took over the expired scan lease from {holder} at cursor '{new ScanLeaseFields(acquired).Cursor}'");
                    }
                }
            }

            if (acquired is not null)
            {
                var held = new HeldLease(acquired, holderIdentity, l => l.Spec?.HolderIdentity == holderIdentity && !new ScanLeaseFields(l).IsDone, _leases, _options, Forget);
                _scan = held;
                held.StartRenewing();
                return new ScanLease(holderIdentity) { Lost = held.LostToken };
            }

            await DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">This worker lost the scan lease.</exception>
    /// <exception cref="InvalidOperationException">This worker does not hold the scan lease (never acquired it, or
    /// completed the scan), or a task Lease of that number exists with another range.</exception>
    public async Task<RangeTask> PublishAsync(KeyRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        HeldLease scan = ScanHold();
        await scan.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureLive(scan);
            int index = new ScanLeaseFields(scan.Current).TasksPublished;
            string name = RunNames.TaskLease(_options.SyncJobName, LeaseRoles.Copy, index);
            await CreateTaskAsync(name, LeaseRoles.Copy, range, cancellationToken).ConfigureAwait(false);
            await scan.WriteAsync(l => _ = new ScanLeaseFields(l) { Cursor = range.End ?? "", TasksPublished = index + 1 }, cancellationToken).ConfigureAwait(false);
            return new RangeTask(name, RangeTaskPhase.Copy, range);
        }
        finally
        {
            scan.Gate.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="LeaseLostException">This worker lost the scan lease.</exception>
    /// <exception cref="InvalidOperationException">This worker does not hold the scan lease.</exception>
    public async Task CompleteScanAsync(CancellationToken cancellationToken = default)
    {
        HeldLease scan = ScanHold();
        await scan.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await scan.WriteAsync(l => new ScanLeaseFields(l).ScanState = ScanStates.Done, cancellationToken).ConfigureAwait(false);
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
        List<V1Lease> leases = await _leases.ListRunAsync(cancellationToken).ConfigureAwait(false);
        V1Lease? scan = leases.Find(l => RunLeases.Role(l) == LeaseRoles.Scan);
        List<V1Lease> copies = RunLeases.TasksInOrder(leases, LeaseRoles.Copy);
        if (scan is null || !new ScanLeaseFields(scan).IsDone || copies.Any(c => new TaskLeaseFields(c).State != TaskStates.Done))
        {
            throw new InvalidOperationException("delete tasks are published only after every copy task is done");
        }

        if (new ScanLeaseFields(scan).DeleteTasksPublished is not null)
        {
            return 0;
        }

        for (int i = 0; i < copies.Count; i++)
        {
            var copy = new TaskLeaseFields(copies[i]);
            var range = new KeyRange(copy.RangeStart, copy.RangeEnd);
            await CreateTaskAsync(RunNames.TaskLease(_options.SyncJobName, LeaseRoles.Delete, i), LeaseRoles.Delete, range, cancellationToken).ConfigureAwait(false);
        }

        bool stale = false;
        return await _leases.ConflictRetry.ExecuteAsync(
            async ct =>
            {
                if (stale)
                {
                    scan = await _leases.GetAsync(_scanName, ct).ConfigureAwait(false);
                }

                var fields = new ScanLeaseFields(scan);
                if (fields.DeleteTasksPublished is not null)
                {
                    return 0;
                }

                fields.DeleteTasksPublished = copies.Count;
                try
                {
                    await _leases.ReplaceAsync(scan, ct).ConfigureAwait(false);
                }
                catch (KubernetesApiException e) when (e.IsConflict)
                {
                    stale = true;
                    throw;
                }

                Log($"published {copies.Count} delete task(s)");
                return copies.Count;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<QueueOutcome> SetOutcomeAsync(QueueOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return await _leases.ConflictRetry.ExecuteAsync(
            async ct =>
            {
                V1Lease scan = await _leases.GetAsync(_scanName, ct).ConfigureAwait(false);
                if (OutcomeOf(scan) is { } recorded)
                {
                    return recorded;
                }

                var fields = new ScanLeaseFields(scan) { Outcome = outcome.Succeeded ? RunOutcomes.Succeeded : RunOutcomes.Failed };
                if (!outcome.Succeeded)
                {
                    fields.OutcomeReason = outcome.Reason ?? "the run failed";
                    fields.OutcomeFailure = outcome.Failure ?? RunFailureKind.ObjectsFailed;
                }

                await _leases.ReplaceAsync(scan, ct).ConfigureAwait(false);
                Log($"run outcome: {(outcome.Succeeded ? RunOutcomes.Succeeded : RunOutcomes.Failed + " (" + outcome.Failure + ")")}");
                return outcome;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<QueueOutcome?> GetOutcomeAsync(CancellationToken cancellationToken = default)
    {
        V1Lease? scan = await _leases.TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
        return scan is null ? null : OutcomeOf(scan);
    }

    /// <summary>Reads the run's outcome from a scan Lease.</summary>
    internal static QueueOutcome? OutcomeOf(V1Lease scan)
    {
        var fields = new ScanLeaseFields(scan);
        return fields.Outcome switch
        {
            RunOutcomes.Succeeded => new QueueOutcome(true, null, null),
            RunOutcomes.Failed => new QueueOutcome(false, fields.OutcomeReason, fields.OutcomeFailure ?? RunFailureKind.ObjectsFailed),
            _ => null,
        };
    }

    private HeldLease ScanHold() => _scan ?? throw new InvalidOperationException("this worker does not hold the scan lease");

    private static void EnsureLive(HeldLease held)
    {
        if (held.LostToken.IsCancellationRequested)
        {
            throw new LeaseLostException(held.Name, "another worker holds it, or it is gone");
        }

        if (held.Finished)
        {
            throw new InvalidOperationException($"this worker no longer holds the lease on {held.Name}");
        }
    }

    /// <summary>Reads the scan Lease. Throws <see cref="RunGoneException"/> when it is missing although an earlier
    /// answer, received before this request was sent, showed it: it was deleted (not merely not created yet).</summary>
    private async Task<V1Lease?> GetScanCheckedAsync(CancellationToken cancellationToken)
    {
        long before = _leases.Requests;
        V1Lease? scan = await _leases.TryGetAsync(_scanName, cancellationToken).ConfigureAwait(false);
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
    private void MarkScanSeen() => Interlocked.CompareExchange(ref _scanSeenAt, _leases.Requests, -1);
}
