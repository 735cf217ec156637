using System.Collections.Concurrent;
using System.Text.Json;
using Ferry.Api.Runs;
using Ferry.Api.Serialization;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using Ferry.SyncRunner.Keys;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Queue.Kubernetes;
using Ferry.SyncRunner.Tests.Support;
using k8s;
using k8s.Models;
using SkewedClock = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace Ferry.SyncRunner.Tests.Queue.Kubernetes;

/// <summary>The lease-coordinated queue against the real cluster simulator (HTTP, resourceVersions, 409s).</summary>
public sealed class LeaseWorkQueueTests : IAsyncLifetime
{
    private const string Job = "photos";
    private ClusterSimulator _sim = null!;
    private KubernetesClient _client = null!;
    private readonly string _uid = Guid.NewGuid().ToString();

    public async Task InitializeAsync()
    {
        _sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
        _client = new KubernetesClient(new KubernetesClientConfiguration { Host = _sim.Url.AbsoluteUri });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sim.DisposeAsync();
    }

    [Fact]
    public async Task PublishAsync_CreatesTaskLeasesPerContract_AndMovesTheCursor()
    {
        await using LeaseWorkQueue q = Queue(TimeProvider.System);
        Assert.NotNull(await q.AcquireScanAsync("w1"));

        await q.PublishAsync(new KeyRange("", "m"));
        await q.PublishAsync(new KeyRange("m", null));
        await q.CompleteScanAsync();

        V1Lease first = await GetLeaseAsync(RunNames.TaskLease(Job, LeaseRoles.Copy, 0));
        Assert.Equal(Job, first.Metadata.Labels![RunLabels.SyncJob]);
        Assert.Equal(_uid, first.Metadata.Labels[RunLabels.Run]);
        Assert.Equal(LeaseRoles.Copy, first.Metadata.Labels[RunLabels.LeaseRole]);
        Assert.Equal("", first.Metadata.Annotations![RunAnnotations.RangeStart]);
        Assert.Equal("m", first.Metadata.Annotations[RunAnnotations.RangeEnd]);
        Assert.Equal(TaskStates.Pending, first.Metadata.Annotations[RunAnnotations.State]);
        V1OwnerReference owner = Assert.Single(first.Metadata.OwnerReferences!);
        Assert.Equal((Api.ApiGroup.ApiVersion, "SyncJob", Job, _uid), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
        V1Lease second = await GetLeaseAsync(RunNames.TaskLease(Job, LeaseRoles.Copy, 1));
        Assert.False(second.Metadata.Annotations!.ContainsKey(RunAnnotations.RangeEnd));
        V1Lease scan = await GetLeaseAsync(RunNames.ScanLease(Job));
        Assert.Equal("2", scan.Metadata.Annotations![RunAnnotations.TasksPublished]);
        Assert.Equal("done", scan.Metadata.Annotations[RunAnnotations.ScanState]);
        Assert.Equal("w1", scan.Spec!.HolderIdentity);
        Assert.True(await q.IsScanDoneAsync());
    }

    [Fact]
    public async Task ClaimAsync_TwoQueuesRaceWithConflicts_NoTaskClaimedTwice()
    {
        await using LeaseWorkQueue publisher = Queue(TimeProvider.System);
        await publisher.AcquireScanAsync("scanner");
        for (int i = 0; i < 24; i++)
        {
            await publisher.PublishAsync(new KeyRange($"k{i:D2}", i == 23 ? null : $"k{i + 1:D2}"));
        }

        await publisher.CompleteScanAsync();
        _sim.Faults.ConflictRates["leases"] = 0.3;
        var claims = new ConcurrentBag<string>();
        await using LeaseWorkQueue a = Queue(TimeProvider.System);
        await using LeaseWorkQueue b = Queue(TimeProvider.System);

        await Task.WhenAll(
            new[] { (a, "a1"), (a, "a2"), (b, "b1"), (b, "b2") }.Select(w => Task.Run(async () =>
            {
                while (await w.Item1.ClaimAsync(RangeTaskPhase.Copy, w.Item2) is { } lease)
                {
                    claims.Add(lease.Task.Id);
                    await w.Item1.CompleteAsync(lease, new TaskCounters());
                }
            }))).WaitAsync(TimeSpan.FromMinutes(2));

        _sim.Faults.ConflictRates.Clear();
        Assert.Equal(24, claims.Count);
        Assert.Equal(24, claims.Distinct().Count());
        QueueStatus status = await a.GetStatusAsync(RangeTaskPhase.Copy);
        Assert.Equal((24, 0, 0), (status.Done, status.Pending, status.Running));
        foreach (V1Lease task in await ListTasksAsync(LeaseRoles.Copy))
        {
            Assert.Equal("1", task.Metadata.Annotations![RunAnnotations.Attempts]);
        }
    }

    [Fact]
    public async Task ClaimAsync_ExpiredLease_TakenOverFromLastCheckpointWithItsCounters_AndOldHolderLosesIt()
    {
        var timeA = new FakeTimeProvider();
        var timeB = new FakeTimeProvider();
        await using LeaseWorkQueue a = Queue(timeA);
        await using LeaseWorkQueue b = Queue(timeB);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(KeyRange.All);
        await a.CompleteScanAsync();
        RangeTaskLease held = (await a.ClaimAsync(RangeTaskPhase.Copy, "a"))!;
        var counters = new TaskCounters { Scanned = 5, ScannedBytes = 500, Copied = 3, CopiedBytes = 300, Skipped = 2, SkippedBytes = 200 };
        await a.CheckpointAsync(held, "k2", counters);

        // A's renewal (a third of 15 s) publishes the checkpoint in the same update.
        await WaitUntilAsync(() => Task.FromResult(timeA.PendingTimers > 0));
        timeA.Advance(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(async () => (await GetLeaseAsync(held.Task.Id)).Metadata.Annotations!.ContainsKey(RunAnnotations.LastKey));

        // A stops renewing (its clock stands still). B sees the Lease unchanged for a whole lease duration.
        Task<RangeTaskLease?> claim = b.ClaimAsync(RangeTaskPhase.Copy, "b");
        RangeTaskLease taken = (await AdvanceUntilAsync(timeB, claim))!;

        Assert.Equal(held.Task.Id, taken.Task.Id);
        Assert.Equal("k2", taken.Task.LastKey);
        Assert.Equal(2, taken.Task.Attempts);
        Assert.Equal((5, 3, 2, 500), (taken.Task.Counters.Scanned, taken.Task.Counters.Copied, taken.Task.Counters.Skipped, taken.Task.Counters.ScannedBytes));
        V1Lease lease = await GetLeaseAsync(held.Task.Id);
        Assert.Equal("b", lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);

        // A's next renewal finds another holder: its work is cancelled and it can no longer write the task.
        Assert.False(held.Lost.IsCancellationRequested);
        timeA.Advance(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(() => Task.FromResult(held.Lost.IsCancellationRequested));
        await Assert.ThrowsAsync<LeaseLostException>(() => a.CompleteAsync(held, counters));

        // B resumes: its final counters replace the checkpoint, nothing is added twice.
        TaskCounters final = taken.Task.Counters.Clone();
        final.Scanned++;
        final.Copied++;
        await b.CompleteAsync(taken, final);
        QueueStatus status = await b.GetStatusAsync(RangeTaskPhase.Copy);
        Assert.Equal((1, 6L, 4L), (status.Done, status.Counters.Scanned, status.Counters.Copied));
    }

    [Fact]
    public async Task ClaimAsync_RunningLeaseStillRenewed_IsNotTakenOver()
    {
        var timeA = new FakeTimeProvider();
        var timeB = new FakeTimeProvider();
        await using LeaseWorkQueue a = Queue(timeA);
        await using LeaseWorkQueue b = Queue(timeB);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(KeyRange.All);
        await a.CompleteScanAsync();
        RangeTaskLease held = (await a.ClaimAsync(RangeTaskPhase.Copy, "a"))!;
        Task<RangeTaskLease?> claim = b.ClaimAsync(RangeTaskPhase.Copy, "b");
        await WaitUntilAsync(() => Task.FromResult(timeA.PendingTimers > 0));

        // Both clocks move together for three lease durations; A renews every 5 s, so B never sees it expire.
        for (int i = 0; i < 45; i++)
        {
            string? before = (await GetLeaseAsync(held.Task.Id)).Metadata.ResourceVersion;
            timeA.Advance(TimeSpan.FromSeconds(1));
            if ((i + 1) % 5 == 0)
            {
                await WaitUntilAsync(async () => (await GetLeaseAsync(held.Task.Id)).Metadata.ResourceVersion != before);
            }

            timeB.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.False(claim.IsCompleted);
        await a.CompleteAsync(held, new TaskCounters());
        Assert.Null(await AdvanceUntilAsync(timeB, claim));
        Assert.Equal("a", (await GetLeaseAsync(held.Task.Id)).Spec!.HolderIdentity);
    }

    [Fact]
    public async Task AcquireScanAsync_HolderStopped_NextWorkerResumesFromTheCursor()
    {
        var timeA = new FakeTimeProvider();
        var timeB = new FakeTimeProvider();
        await using LeaseWorkQueue a = Queue(timeA);
        await using LeaseWorkQueue b = Queue(timeB);
        ScanLease holdA = (await a.AcquireScanAsync("a"))!;
        await a.PublishAsync(new KeyRange("", "m"));

        ScanLease holdB = (await AdvanceUntilAsync(timeB, b.AcquireScanAsync("b")))!;

        Assert.Equal("b", holdB.HolderIdentity);
        Assert.Equal("m", await b.GetScanCursorAsync());
        await b.PublishAsync(new KeyRange("m", null));
        await b.CompleteScanAsync();
        V1Lease scan = await GetLeaseAsync(RunNames.ScanLease(Job));
        Assert.Equal(1, scan.Spec!.LeaseTransitions);
        Assert.Equal("2", scan.Metadata.Annotations![RunAnnotations.TasksPublished]);
        Assert.Equal("m", (await GetLeaseAsync(RunNames.TaskLease(Job, LeaseRoles.Copy, 1))).Metadata.Annotations![RunAnnotations.RangeStart]);

        // A wakes up: its renewal finds B's hold, so it stops and cannot publish.
        timeA.Advance(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(() => Task.FromResult(holdA.Lost.IsCancellationRequested));
        await Assert.ThrowsAsync<LeaseLostException>(() => a.PublishAsync(new KeyRange("x", null)));
        Assert.Null(await b.AcquireScanAsync("c"));
    }

    [Fact]
    public async Task PublishDeleteTasksAsync_OnlyAfterEveryCopyIsDone_AndOnce()
    {
        await using LeaseWorkQueue a = Queue(TimeProvider.System);
        await using LeaseWorkQueue b = Queue(TimeProvider.System);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(new KeyRange("", "m"));
        await a.PublishAsync(new KeyRange("m", null));
        await a.CompleteScanAsync();
        RangeTaskLease first = (await a.ClaimAsync(RangeTaskPhase.Copy, "a"))!;
        await a.CompleteAsync(first, new TaskCounters());

        await Assert.ThrowsAsync<InvalidOperationException>(() => b.PublishDeleteTasksAsync());
        Assert.Empty(await ListTasksAsync(LeaseRoles.Delete));

        RangeTaskLease second = (await b.ClaimAsync(RangeTaskPhase.Copy, "b"))!;
        await b.CompleteAsync(second, new TaskCounters());
        int[] published = await Task.WhenAll(a.PublishDeleteTasksAsync(), b.PublishDeleteTasksAsync());

        Assert.Equal(2, published.Sum());
        List<V1Lease> deletes = await ListTasksAsync(LeaseRoles.Delete);
        Assert.Equal(new[] { ("", "m"), ("m", (string?)null) }, deletes.OrderBy(d => d.Metadata.Name, StringComparer.Ordinal)
            .Select(d => (d.Metadata.Annotations![RunAnnotations.RangeStart], (string?)d.GetAnnotation(RunAnnotations.RangeEnd))));
        Assert.Equal("2", (await GetLeaseAsync(RunNames.ScanLease(Job))).Metadata.Annotations![RunAnnotations.DeleteTasksPublished]);
        Assert.Equal(0, await a.PublishDeleteTasksAsync());
    }

    [Fact]
    public async Task SetOutcomeAsync_FirstWriterWins_AndIsWrittenToTheScanLease()
    {
        await using LeaseWorkQueue a = Queue(TimeProvider.System);
        await using LeaseWorkQueue b = Queue(TimeProvider.System);
        await a.AcquireScanAsync("a");
        await a.CompleteScanAsync();

        QueueOutcome first = await a.SetOutcomeAsync(new QueueOutcome(false, "refusing to delete 9 keys", RunFailureKind.MaxDeleteExceeded));
        QueueOutcome second = await b.SetOutcomeAsync(new QueueOutcome(true, null, null));

        Assert.Equal(first, second);
        V1Lease scan = await GetLeaseAsync(RunNames.ScanLease(Job));
        Assert.Equal(RunOutcomes.Failed, scan.Metadata.Annotations![RunAnnotations.Outcome]);
        Assert.Equal("MaxDeleteExceeded", scan.Metadata.Annotations[RunAnnotations.OutcomeCondition]);
        Assert.Equal("refusing to delete 9 keys", scan.Metadata.Annotations[RunAnnotations.OutcomeReason]);
        Assert.Equal(first, await b.GetOutcomeAsync());
    }

    [Fact]
    public async Task ClaimAsync_FailedOutcomeRecorded_NoMoreClaims()
    {
        await using LeaseWorkQueue a = Queue(TimeProvider.System);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(new KeyRange("", "m"));
        await a.PublishAsync(new KeyRange("m", null));
        await a.CompleteScanAsync();
        Assert.NotNull(await a.ClaimAsync(RangeTaskPhase.Copy, "a"));

        await a.SetOutcomeAsync(new QueueOutcome(false, "aborted after 100 failed object(s)", RunFailureKind.MaxFailuresReached));

        Assert.Null(await a.ClaimAsync(RangeTaskPhase.Copy, "b"));
        Assert.Equal(1, (await a.GetStatusAsync(RangeTaskPhase.Copy)).Pending);
    }

    [Fact]
    public async Task FailAsync_ReleasesWithCheckpoint_ThenFailsForGood()
    {
        await using LeaseWorkQueue q = Queue(TimeProvider.System, maxAttempts: 2);
        await q.AcquireScanAsync("a");
        await q.PublishAsync(KeyRange.All);
        await q.CompleteScanAsync();
        RangeTaskLease first = (await q.ClaimAsync(RangeTaskPhase.Copy, "a"))!;
        var counters = new TaskCounters { Scanned = 3, ScannedBytes = 3 };
        await q.CheckpointAsync(first, "c", counters);

        Assert.False(await q.FailAsync(first, "list refused"));
        RangeTaskLease second = (await q.ClaimAsync(RangeTaskPhase.Copy, "b"))!;
        Assert.Equal(("c", 3L, 2), (second.Task.LastKey, second.Task.Counters.Scanned, second.Task.Attempts));
        Assert.True(await q.FailAsync(second, "list refused again"));

        Assert.Null(await q.ClaimAsync(RangeTaskPhase.Copy, "c"));
        V1Lease lease = await GetLeaseAsync(first.Task.Id);
        Assert.Equal(TaskStates.Failed, lease.Metadata.Annotations![RunAnnotations.State]);
        Assert.Equal("list refused again", lease.Metadata.Annotations[RunAnnotations.LastError]);
        Assert.Equal(3, JsonSerializer.Deserialize(lease.Metadata.Annotations[RunAnnotations.Counters], ApiJsonContext.Default.TaskCounters)!.Scanned);
    }

    [Fact]
    public async Task DisposeAsync_HeldLeases_HandedBackWithTheCheckpoint_ClaimableAtOnce()
    {
        var timeB = new FakeTimeProvider();
        LeaseWorkQueue a = Queue(TimeProvider.System);
        await using LeaseWorkQueue b = Queue(timeB);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(new KeyRange("", "m"));
        RangeTaskLease held = (await a.ClaimAsync(RangeTaskPhase.Copy, "a"))!;
        var counters = new TaskCounters { Scanned = 1, ScannedBytes = 7 };
        await a.CheckpointAsync(held, "f", counters);

        await a.DisposeAsync();

        V1Lease lease = await GetLeaseAsync(held.Task.Id);
        Assert.Equal((TaskStates.Pending, "0", "f", null), (lease.Metadata.Annotations![RunAnnotations.State], lease.Metadata.Annotations[RunAnnotations.Attempts],
            lease.Metadata.Annotations[RunAnnotations.LastKey], lease.Spec!.HolderIdentity));
        Assert.Null((await GetLeaseAsync(RunNames.ScanLease(Job))).Spec!.HolderIdentity);

        // No expiry to wait for: B's clock does not move.
        ScanLease? scan = await b.AcquireScanAsync("b").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("m", await b.GetScanCursorAsync());
        await b.CompleteScanAsync();
        RangeTaskLease taken = (await b.ClaimAsync(RangeTaskPhase.Copy, "b").WaitAsync(TimeSpan.FromSeconds(30)))!;
        Assert.NotNull(scan);
        Assert.Equal(("f", 1L, 1), (taken.Task.LastKey, taken.Task.Counters.Scanned, taken.Task.Attempts));
    }

    [Fact]
    public async Task ClaimAsync_LeasesDeletedWithTheSyncJob_RunGone_NothingRecreated()
    {
        await using LeaseWorkQueue a = Queue(TimeProvider.System);
        await using LeaseWorkQueue b = Queue(TimeProvider.System);
        await a.AcquireScanAsync("a");
        await a.PublishAsync(new KeyRange("", "m"));
        Assert.Equal("m", (await b.ClaimAsync(RangeTaskPhase.Copy, "b"))!.Task.Range.End);

        foreach (V1Lease lease in (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={_uid}" })).Items)
        {
            await _client.DeleteAsync(KubeResources.Leases, "default", lease.Metadata.Name!);
        }

        await Assert.ThrowsAsync<RunGoneException>(() => b.ClaimAsync(RangeTaskPhase.Copy, "b"));
        await Assert.ThrowsAsync<RunGoneException>(() => b.AcquireScanAsync("b"));
        Assert.Empty((await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={_uid}" })).Items);
    }

    [Fact]
    public async Task ClaimAsync_HolderClockYearsBehind_RenewingLeaseNeverTakenOver()
    {
        // A's wall clock is ten years behind B's: every renewTime A writes lies far in B's past. B judges expiry by its
        // own observation of the Lease's record, so A's renewals keep the task A's.
        var timeA = new SkewedClock(new DateTimeOffset(2016, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var timeB = new SkewedClock(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        await using LeaseWorkQueue a = Queue(timeA);
        await using LeaseWorkQueue b = Queue(timeB);
        RangeTaskLease held = await ClaimTheOnlyTaskAsync(a, "a");
        Task<RangeTaskLease?> claim = b.ClaimAsync(RangeTaskPhase.Copy, "b");

        // Nine renewals of A (45 s, three lease durations); B's clock moves 5 s with each and B lists about once a second.
        for (int renewal = 0; renewal < 9; renewal++)
        {
            await RenewOnceAsync(timeA, held.Task.Id);
            await AdvanceAsync(timeB, TimeSpan.FromSeconds(5));
        }

        Assert.False(claim.IsCompleted);
        Assert.True(timeB.GetUtcNow() - (await GetLeaseAsync(held.Task.Id)).Spec!.RenewTime!.Value > TimeSpan.FromDays(3000));
        await a.CompleteAsync(held, new TaskCounters());
        Assert.Null(await AdvanceUntilAsync(timeB, claim));
        Assert.Equal(("a", 0), ((await GetLeaseAsync(held.Task.Id)).Spec!.HolderIdentity, (await GetLeaseAsync(held.Task.Id)).Spec!.LeaseTransitions ?? 0));
    }

    [Fact]
    public async Task ClaimAsync_HolderClockYearsAhead_StoppedLeaseTakenOverAfterOneDurationOfTheReadersClock()
    {
        // A's wall clock is ten years ahead of B's: A's last renewTime lies in B's future. B still takes the task over
        // one lease duration (15 s) after it last saw the Lease change, not when its own clock reaches that renewTime.
        var timeA = new SkewedClock(new DateTimeOffset(2036, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var timeB = new SkewedClock(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        await using LeaseWorkQueue a = Queue(timeA);
        await using LeaseWorkQueue b = Queue(timeB);
        RangeTaskLease held = await ClaimTheOnlyTaskAsync(a, "a");
        await a.AbandonAsync();   // A stops renewing, as a crashed worker would

        DateTimeOffset started = timeB.GetUtcNow();
        RangeTaskLease taken = (await AdvanceUntilAsync(timeB, b.ClaimAsync(RangeTaskPhase.Copy, "b")))!;
        TimeSpan waited = timeB.GetUtcNow() - started;

        Assert.Equal((held.Task.Id, 2), (taken.Task.Id, taken.Task.Attempts));
        Assert.InRange(waited, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        V1Lease lease = await GetLeaseAsync(held.Task.Id);
        Assert.Equal(("b", 1), (lease.Spec!.HolderIdentity, lease.Spec.LeaseTransitions));
    }

    [Fact]
    public async Task CompleteAsync_AfterCompletion_IsMisuse_NotALostLease()
    {
        await using LeaseWorkQueue q = Queue(TimeProvider.System);
        RangeTaskLease lease = await ClaimTheOnlyTaskAsync(q, "a");
        await q.CompleteAsync(lease, new TaskCounters { Scanned = 1 });

        await Assert.ThrowsAsync<InvalidOperationException>(() => q.CheckpointAsync(lease, "x", new TaskCounters()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => q.CompleteAsync(lease, new TaskCounters()));
        await Assert.ThrowsAsync<InvalidOperationException>(() => q.PublishAsync(new KeyRange("x", null)));
        Assert.False(lease.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task Requests_ServerErrors_RetriedFiveTimesWithDoublingBackoffOnTheQueuesClock()
    {
        var time = new SkewedClock(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        await using LeaseWorkQueue q = Queue(time);
        _sim.Faults.ServerErrorRate = 1.0;
        Task<string?> cursor = q.GetScanCursorAsync();
        await WaitUntilAsync(() => Task.FromResult(q.Requests == 1));
        await Task.Delay(300);
        Assert.Equal(1, q.Requests);   // the retry waits for the queue's clock, not the machine's

        // Move the queue's clock 10 ms at a time and note when each retry goes out: 100, 200, 400, 800, 1600 ms apart
        // at least (later when the delay was armed after a step).
        var gaps = new List<TimeSpan>();
        DateTimeOffset last = time.GetUtcNow();
        for (int step = 0; step < 2000 && !cursor.IsCompleted; step++)
        {
            long sent = q.Requests;
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(5);
            if (q.Requests != sent)
            {
                gaps.Add(time.GetUtcNow() - last);
                last = time.GetUtcNow();
            }
        }

        Assert.Equal(5, gaps.Count);
        for (int i = 0; i < gaps.Count; i++)
        {
            Assert.True(gaps[i] >= TimeSpan.FromMilliseconds(100 << i), $"retry {i + 1} after {gaps[i].TotalMilliseconds} ms");
        }

        KubernetesApiException error = await Assert.ThrowsAsync<KubernetesApiException>(() => cursor);
        Assert.Equal((500, 6L), (error.Code, q.Requests));

        _sim.Faults.ServerErrorRate = 0.5;
        Task<ScanLease?> acquire = q.AcquireScanAsync("a");
        for (int i = 0; i < 400 && !acquire.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(acquire, Task.Delay(10));
        }

        _sim.Faults.ServerErrorRate = 0;
        Assert.NotNull(await acquire.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("a", (await GetLeaseAsync(RunNames.ScanLease(Job))).Spec!.HolderIdentity);
    }

    [Fact]
    public async Task PublishAsync_HoldersWritesUnderConflicts_RetriedWhileStillItsOwn()
    {
        await using LeaseWorkQueue q = Queue(TimeProvider.System);
        await q.AcquireScanAsync("scanner");
        _sim.Faults.ConflictRates["leases"] = 0.5;
        for (int i = 0; i < 10; i++)
        {
            await q.PublishAsync(new KeyRange($"k{i}", i == 9 ? null : $"k{i + 1}"));
        }

        await q.CompleteScanAsync();
        _sim.Faults.ConflictRates.Clear();

        V1Lease scan = await GetLeaseAsync(RunNames.ScanLease(Job));
        Assert.Equal(("10", "done", "", "scanner"), (scan.Metadata.Annotations![RunAnnotations.TasksPublished], scan.Metadata.Annotations[RunAnnotations.ScanState],
            scan.Metadata.Annotations[RunAnnotations.Cursor], scan.Spec!.HolderIdentity));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"k{i}"), (await ListTasksAsync(LeaseRoles.Copy)).OrderBy(l => l.Metadata.Name, StringComparer.Ordinal).Select(l => l.Metadata.Annotations![RunAnnotations.RangeStart]));
    }

    private LeaseWorkQueue Queue(TimeProvider time, int maxAttempts = 3) => new(_client, new LeaseWorkQueueOptions
    {
        Namespace = "default",
        SyncJobName = Job,
        RunUid = _uid,
        Time = time,
        PollInterval = TimeSpan.FromSeconds(1),
        MaxAttempts = maxAttempts,
    });

    private Task<V1Lease> GetLeaseAsync(string name) => _client.GetAsync(KubeResources.Leases, "default", name);

    private async Task<List<V1Lease>> ListTasksAsync(string role) =>
        (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={_uid},{RunLabels.LeaseRole}={role}" })).Items;

    /// <summary>Scans one task over the whole key space with <paramref name="q"/> and claims it as <paramref name="holder"/>.</summary>
    private static async Task<RangeTaskLease> ClaimTheOnlyTaskAsync(LeaseWorkQueue q, string holder)
    {
        await q.AcquireScanAsync(holder);
        await q.PublishAsync(KeyRange.All);
        await q.CompleteScanAsync();
        return (await q.ClaimAsync(RangeTaskPhase.Copy, holder))!;
    }

    /// <summary>Advances A's clock a second at a time until A has renewed the Lease once (its resourceVersion changed).</summary>
    private async Task RenewOnceAsync(SkewedClock time, string name)
    {
        string? before = (await GetLeaseAsync(name)).Metadata.ResourceVersion;
        for (int i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            for (int j = 0; j < 10; j++)
            {
                await Task.Delay(10);
                if ((await GetLeaseAsync(name)).Metadata.ResourceVersion != before)
                {
                    return;
                }
            }
        }

        Assert.Fail($"{name} was not renewed within 20 s of its holder's clock");
    }

    /// <summary>Advances a fake clock a second at a time, giving the queue's requests real time to run.</summary>
    private static async Task AdvanceAsync(SkewedClock time, TimeSpan by)
    {
        for (TimeSpan moved = TimeSpan.Zero; moved < by; moved += TimeSpan.FromSeconds(1))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(30);
        }
    }

    /// <summary>Advances a fake clock a second at a time until the task ends.</summary>
    private static async Task<T> AdvanceUntilAsync<T>(SkewedClock time, Task<T> task)
    {
        for (int i = 0; i < 600 && !task.IsCompleted; i++)
        {
            await Task.WhenAny(task, Task.Delay(30));
            if (!task.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Advances a fake clock a second at a time (giving the queue's requests real time to run) until the task ends.</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider time, Task<T> task)
    {
        for (int i = 0; i < 600 && !task.IsCompleted; i++)
        {
            await Task.WhenAny(task, Task.Delay(20));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 500; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("the condition did not come true within 10 s");
    }
}
