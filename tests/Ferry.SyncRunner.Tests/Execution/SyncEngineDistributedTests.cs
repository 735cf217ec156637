using Ferry.Api.Runs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.SyncRunner.Execution;
using Ferry.SyncRunner.Planning;
using Ferry.SyncRunner.Queue;
using Ferry.SyncRunner.Queue.Kubernetes;
using Ferry.SyncRunner.Storage;
using Ferry.SyncRunner.Storage.Local;
using Ferry.SyncRunner.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.SyncRunner.Tests.Execution;

/// <summary>Several engines, each on its own <see cref="LeaseWorkQueue"/>, sharing one run in the cluster simulator.</summary>
public sealed class SyncEngineDistributedTests : IAsyncLifetime
{
    private const int Files = 240;
    private ClusterSimulator _sim = null!;
    private KubernetesClient _client = null!;

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

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public async Task RunAsync_ThreeWorkers_DestinationEqualsSource_AndCountersExact(double conflictRate)
    {
        using var src = SourceTree();
        using var dst = new TempDirectory();
        _sim.Faults.ConflictRates["leases"] = conflictRate;
        string run = Guid.NewGuid().ToString();

        SyncResult[] results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => RunWorkerAsync(run, $"w{i}", src.Path, dst.Path, new SyncOptions { TaskObjects = 20, Threads = 4 })))
            .WaitAsync(TimeSpan.FromMinutes(3));
        _sim.Faults.ConflictRates.Clear();

        Assert.All(results, r => Assert.Equal(SyncOutcome.Succeeded, r.Outcome));
        Assert.Equal(TreeSnapshot.Take(src.Path, withDirectories: false), TreeSnapshot.Take(dst.Path, withDirectories: false));
        await using LeaseWorkQueue observer = Queue(run, "observer", TimeSpan.FromSeconds(15));
        QueueStatus status = await observer.GetStatusAsync(RangeTaskPhase.Copy);
        Assert.Equal((long)Files, status.Counters.Scanned);
        Assert.Equal((long)Files, status.Counters.Copied);
        Assert.Equal(0, status.Counters.Skipped);
        Assert.InRange(status.Done, Files / 20, (Files / 20) + 1); // ~20 listed entries per task (directories are listed too)
        Assert.Equal((0, 0, 0), (status.Pending, status.Running, status.Failed));
        Assert.Equal(Files, results.Sum(r => r.Counters.Copied));
        Assert.Equal(new QueueOutcome(true, null, null), await observer.GetOutcomeAsync());
    }

    [Fact]
    public async Task RunAsync_DeleteDst_DeletesExtrasOnceAfterEveryCopy()
    {
        using var src = SourceTree();
        using var dst = new TempDirectory();
        for (int i = 0; i < 7; i++)
        {
            dst.Write($"d{i % 3}/zz-extra-{i}", "extra");
        }

        dst.Write("d0/f000", "stale content of another size");
        string run = Guid.NewGuid().ToString();

        SyncResult[] results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
                RunWorkerAsync(run, $"w{i}", src.Path, dst.Path, new SyncOptions { TaskObjects = 30, Threads = 2, DeleteDst = true })))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.All(results, r => Assert.Equal(SyncOutcome.Succeeded, r.Outcome));
        Assert.Equal(TreeSnapshot.Take(src.Path, withDirectories: false), TreeSnapshot.Take(dst.Path, withDirectories: false));
        await using LeaseWorkQueue observer = Queue(run, "observer", TimeSpan.FromSeconds(15));
        QueueStatus copies = await observer.GetStatusAsync(RangeTaskPhase.Copy);
        QueueStatus deletes = await observer.GetStatusAsync(RangeTaskPhase.Delete);
        Assert.Equal((7L, 7L), (copies.Counters.DeleteCandidates, deletes.Counters.Deleted));
        Assert.Equal(copies.Done, deletes.Done);
    }

    [Fact]
    public async Task RunAsync_MaxDeleteExceeded_NothingDeleted_AndOutcomeRecorded()
    {
        using var src = SourceTree();
        using var dst = new TempDirectory();
        for (int i = 0; i < 5; i++)
        {
            dst.Write($"zz-extra-{i}", "extra");
        }

        string run = Guid.NewGuid().ToString();
        var options = new SyncOptions { TaskObjects = 40, Threads = 2, DeleteDst = true, MaxDelete = "4" };

        SyncResult[] results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => RunWorkerAsync(run, $"w{i}", src.Path, dst.Path, options)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.All(results, r => Assert.Equal((SyncOutcome.Failed, RunFailureKind.MaxDeleteExceeded), (r.Outcome, r.Failure)));
        Assert.All(Enumerable.Range(0, 5), i => Assert.True(File.Exists(dst.Combine($"zz-extra-{i}"))));
        V1Lease scan = await _client.GetAsync(KubeResources.Leases, "default", RunNames.ScanLease("job"));
        Assert.Equal(RunOutcomes.Failed, scan.Metadata.Annotations![RunAnnotations.Outcome]);
        Assert.Equal("MaxDeleteExceeded", scan.Metadata.Annotations[RunAnnotations.OutcomeCondition]);
        Assert.False(scan.Metadata.Annotations.ContainsKey(RunAnnotations.DeleteTasksPublished));
    }

    [Fact]
    public async Task RunAsync_WorkerDiesMidCopy_OthersTakeOverItsLeases_CountingEveryKeyOnce()
    {
        using var src = SourceTree();
        using var dst = new TempDirectory();
        string run = Guid.NewGuid().ToString();
        var options = new SyncOptions { TaskObjects = 60, Threads = 2 };
        TimeSpan lease = TimeSpan.FromSeconds(2);

        // The victim copies 70 objects, then "crashes": its work stops and its Leases are no longer renewed.
        using var crash = new CancellationTokenSource();
        LeaseWorkQueue victimQueue = Queue(run, "victim", lease);
        var victim = new SyncEngine(new FileStorage(src.Path), new HookedStorage(new FileStorage(dst.Path))
        {
            BeforePut = key =>
            {
                if (Interlocked.Increment(ref _victimPuts) == 70)
                {
                    crash.Cancel();
                }

                return null;
            },
        }, options, Settings("victim"));
        Task<SyncResult> victimRun = victim.RunAsync(victimQueue, crash.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => victimRun.WaitAsync(TimeSpan.FromMinutes(1)));
        await victimQueue.AbandonAsync();

        SyncResult[] results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => RunWorkerAsync(run, $"w{i}", src.Path, dst.Path, options, lease)))
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.All(results, r => Assert.Equal(SyncOutcome.Succeeded, r.Outcome));
        Assert.Equal(TreeSnapshot.Take(src.Path, withDirectories: false), TreeSnapshot.Take(dst.Path, withDirectories: false));
        await using LeaseWorkQueue observer = Queue(run, "observer", lease);
        QueueStatus status = await observer.GetStatusAsync(RangeTaskPhase.Copy);
        Assert.Equal((long)Files, status.Counters.Scanned);
        Assert.Equal((long)Files, status.Counters.Copied + status.Counters.Skipped);
        List<V1Lease> tasks = (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={run}" })).Items;
        Assert.Contains(tasks, t => t.Spec?.LeaseTransitions > 0);
    }

    [Fact]
    public async Task RunAsync_LeaseTakenByAnotherHolder_StopsThatTaskWithoutFailingIt_AndFinishesAfterItsExpiry()
    {
        using var src = SourceTree();
        using var dst = new TempDirectory();
        string run = Guid.NewGuid().ToString();
        var errors = new List<string>();
        int puts = 0;
        var destination = new HookedStorage(new FileStorage(dst.Path))
        {
            BeforePut = _ =>
            {
                if (Interlocked.Increment(ref puts) == 20)
                {
                    // Another worker writes the task Lease as its own (as after a takeover), retrying when the holder's
                    // renewal got in between.
                    for (bool written = false; !written;)
                    {
                        V1Lease task = _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={run},{RunLabels.LeaseRole}=copy" })
                            .GetAwaiter().GetResult().Items.Single();
                        task.Spec!.HolderIdentity = "intruder";
                        task.Spec.RenewTime = DateTime.UtcNow;
                        task.Metadata.Annotations![RunAnnotations.Attempts] = "2";
                        try
                        {
                            _client.ReplaceAsync(KubeResources.Leases, "default", task.Metadata.Name!, task).GetAwaiter().GetResult();
                            written = true;
                        }
                        catch (Kube.Errors.KubernetesApiException e) when (e.IsConflict)
                        {
                        }
                    }
                }

                Thread.Sleep(puts < 60 ? 10 : 0);
                return null;
            },
        };
        await using LeaseWorkQueue queue = Queue(run, "w", TimeSpan.FromSeconds(1.5));
        var engine = new SyncEngine(new FileStorage(src.Path), destination, new SyncOptions { TaskObjects = 10_000, Threads = 1 }, Settings("w") with
        {
            OnError = line =>
            {
                lock (errors)
                {
                    errors.Add(line);
                }
            },
        });

        SyncResult result = await engine.RunAsync(queue).WaitAsync(TimeSpan.FromMinutes(2));

        // Seen once in three ./test.sh runs on a loaded machine, not yet explained: a 231 ms run with no lease lost. The message
        // carries what the run did, so that the next one says whether it listed, copied and claimed at all.
        string context = $"puts {Volatile.Read(ref puts)}, result {result.Outcome} {result.Reason}, scanned {result.Counters.Scanned}, copied {result.Counters.Copied}, "
            + $"skipped {result.Counters.Skipped}, errors [{string.Join("; ", errors)}], destination files {Directory.GetFiles(dst.Path, "*", SearchOption.AllDirectories).Length}";
        Assert.True(result.Outcome == SyncOutcome.Succeeded, context);
        Assert.True(errors.Any(e => e.Contains("lease lost", StringComparison.Ordinal)), context);
        Assert.Equal(TreeSnapshot.Take(src.Path, withDirectories: false), TreeSnapshot.Take(dst.Path, withDirectories: false));
        QueueStatus status = await queue.GetStatusAsync(RangeTaskPhase.Copy);
        Assert.Equal((1, 0, (long)Files), (status.Done, status.Failed, status.Counters.Scanned));
        Assert.Equal((long)Files, status.Counters.Copied + status.Counters.Skipped);
        V1Lease lease = (await _client.ListAsync(KubeResources.Leases, "default", new KubeListOptions { LabelSelector = $"{RunLabels.Run}={run},{RunLabels.LeaseRole}=copy" })).Items.Single();
        Assert.Equal(("w", "3", 1), (lease.Spec!.HolderIdentity, lease.Metadata.Annotations![RunAnnotations.Attempts], lease.Spec.LeaseTransitions));
    }

    [Fact]
    public async Task RunAsync_ApiRequests_GrowWithTasksNotObjects()
    {
        using var src = new TempDirectory();
        using var dst = new TempDirectory();
        for (int i = 0; i < 1500; i++)
        {
            src.Write($"f{i:D4}", "x");
        }

        string run = Guid.NewGuid().ToString();
        LeaseWorkQueue queue = new(_client, new LeaseWorkQueueOptions { Namespace = "default", SyncJobName = "job", RunUid = run });
        await using (queue)
        {
            SyncResult result = await new SyncEngine(new FileStorage(src.Path), new FileStorage(dst.Path), new SyncOptions { TaskObjects = 500, Threads = 4 }, Settings("w") with { CheckpointEveryKeys = 1024 })
                .RunAsync(queue)
                .WaitAsync(TimeSpan.FromMinutes(2));

            Assert.Equal((SyncOutcome.Succeeded, 1500L), (result.Outcome, result.Counters.Copied));
            QueueStatus status = await queue.GetStatusAsync(RangeTaskPhase.Copy);
            Assert.Equal(3, status.Done);

            // Per task: publish (create + scan update), claim (list + update), completion; plus the scan lease, the
            // outcome; and, with time, a renewal every 5 s and a poll a second while waiting: a few dozen requests for
            // 1,500 objects, none per object.
            Assert.InRange(queue.Requests, 3 * 5, 30 + (long)(2 * result.Elapsed.TotalSeconds));
            Assert.True(queue.Requests < 1500 / 10);
        }
    }

    private int _victimPuts;

    private async Task<SyncResult> RunWorkerAsync(string run, string holder, string src, string dst, SyncOptions options, TimeSpan? lease = null)
    {
        await using LeaseWorkQueue queue = Queue(run, holder, lease ?? TimeSpan.FromSeconds(15));
        var engine = new SyncEngine(new FileStorage(src), new FileStorage(dst), options, Settings(holder));
        return await engine.RunAsync(queue);
    }

    private static SyncEngineSettings Settings(string holder) => new()
    {
        HolderIdentity = holder,
        Distributed = true,
        CheckpointInterval = TimeSpan.Zero,
        CheckpointEveryKeys = 8,
        RetryDelay = TimeSpan.FromMilliseconds(1),
    };

    private LeaseWorkQueue Queue(string run, string holder, TimeSpan lease) => new(_client, new LeaseWorkQueueOptions
    {
        Namespace = "default",
        SyncJobName = "job",
        RunUid = run,
        LeaseDuration = lease,
        PollInterval = TimeSpan.FromMilliseconds(50),
    });

    private static TempDirectory SourceTree()
    {
        var src = new TempDirectory();
        for (int i = 0; i < Files; i++)
        {
            src.Write($"d{i % 4}/f{i:D3}", new string((char)('a' + (i % 26)), 1 + (i % 50)));
        }

        return src;
    }
}
