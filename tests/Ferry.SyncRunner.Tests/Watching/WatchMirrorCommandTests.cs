using System.Diagnostics;
using Ferry.Api;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.SyncRunner.Cli;
using Ferry.SyncRunner.Jobs;
using Ferry.SyncRunner.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.SyncRunner.Tests.Watching;

/// <summary><c>ferry watch-mirror</c> against the cluster simulator with the real ReplicaMirror CRD, the test playing
/// the operator: the watcher asks for its first full sync in its Lease, waits for the mirror's status to show it done,
/// applies batches, holds them while a full sync runs, and reports in its Lease per batch, not per key.</summary>
public sealed class WatchMirrorCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _source = new();
    private readonly TempDirectory _replica = new();
    private ClusterSimulator _sim = null!;
    private KubernetesClient _client = null!;

    public async Task InitializeAsync()
    {
        _sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
        _sim.Store.CreateFromYaml(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "crds", "ferry.io_replicamirrors.yaml")));
        _client = new KubernetesClient(new KubernetesClientConfiguration { Host = _sim.Url.AbsoluteUri });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sim.DisposeAsync();
        _source.Dispose();
        _replica.Dispose();
    }

    [Fact]
    public async Task Watcher_AsksForTheFirstFullSync_AppliesBatchesAfterIt_HoldsThemWhileAFullSyncRuns()
    {
        _source.Write("data/a.txt", "present before the watcher");
        ReplicaMirror mirror = await _client.CreateAsync(ApiResources.ReplicaMirrors, "default", new ReplicaMirror
        {
            Metadata = new V1ObjectMeta { Name = "live", NamespaceProperty = "default" },
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "inbox", Path = "data" } },
                Destinations = [new MirrorDestination { Name = "copy", Volume = new VolumeEndpoint { ClaimName = "replica" } }, new MirrorDestination { Name = "not-given", Volume = new VolumeEndpoint { ClaimName = "x" } }],
                Continuous = new ContinuousSpec { Delay = "300ms" },
            },
        });
        var env = new Dictionary<string, string>
        {
            ["FERRY_POD_NAME"] = "live-watcher-0",
            ["FERRY_SOURCE_ROOT"] = _source.Path,
            ["FERRY_DESTINATION_0_NAME"] = "copy",
            ["FERRY_DESTINATION_0_ROOT"] = _replica.Path,
        };
        var log = new LineLog();
        using var stop = new CancellationTokenSource();
        Task<int> watcher = Task.Run(() => WatchMirrorCommand.RunWatcherAsync("default", "live", _client, env.GetValueOrDefault, log, TimeProvider.System, stop.Token));

        // The first full sync is asked for in the Lease; play the operator: run it, record it.
        WatcherState asked = await UntilAsync(async () => WatcherState.Parse((await LeaseAsync())?.Metadata.Annotations?.AsReadOnly()) is { FullSyncRequested: not null } s ? s : null, watcher, log, "the request");
        Assert.Equal("start", asked.FullSyncReason);
        V1Lease lease = (await LeaseAsync())!;
        Assert.Equal("live-watcher-0", lease.Spec!.HolderIdentity);
        Assert.Equal(mirror.Metadata.Uid, lease.Metadata.OwnerReferences!.Single().Uid);
        Assert.Equal(WatcherContract.ComponentValue, lease.Metadata.Labels![WatcherContract.ComponentLabel]);
        _source.Write("data/during.txt", "written while the full sync runs");
        await RecordFullSyncAsync(asked.FullSyncRequested!.Value, active: "live-copy-1");
        Directory.CreateDirectory(_replica.Combine(""));
        File.Copy(_source.Combine("data/a.txt"), _replica.Combine("a.txt"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(File.Exists(_replica.Combine("during.txt")), "a batch ran while the full sync did");
        await RecordFullSyncAsync(asked.FullSyncRequested!.Value, active: null);

        // After it, the change seen meanwhile and a new one arrive in batches.
        await UntilAsync(() => Task.FromResult<object?>(File.Exists(_replica.Combine("during.txt")) ? true : null), watcher, log, "the change made during the full sync");
        _sim.Requests.Reset();
        for (int i = 0; i < 300; i++)
        {
            _source.Write($"data/burst/{i}.txt", $"file {i}");
        }

        await UntilAsync(() => Task.FromResult<object?>(Directory.Exists(_replica.Combine("burst")) && Directory.GetFiles(_replica.Combine("burst")).Length == 300 ? true : null), watcher, log, "the burst");
        WatcherState after = await UntilAsync(async () => WatcherState.Parse((await LeaseAsync())?.Metadata.Annotations?.AsReadOnly()) is { PendingChanges: 0, LastBatchKeys: > 0 } s ? s : null, watcher, log, "the Lease after the burst");
        Assert.Null(after.OldestPendingChange);
        long writes = _sim.Requests.Sum(k => k.Resource == "leases" && k.Verb is "update" or "create");
        long reads = _sim.Requests.Sum(k => k.Resource == "replicamirrors" && k.Verb == "get");
        Assert.True(writes <= 10 && reads <= 10, $"300 keys cost {writes} Lease writes and {reads} mirror reads\n{_sim.Requests}");
        Assert.False(Directory.Exists(_replica.Combine("x")));

        await stop.CancelAsync();
        Assert.Equal(0, await watcher.WaitAsync(Wait));
        Assert.Contains(log.Lines, l => l.Contains("watching", StringComparison.Ordinal) && l.Contains("for copy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watcher_OfAMirrorThatIsNotContinuous_ExitsTwo()
    {
        await _client.CreateAsync(ApiResources.ReplicaMirrors, "default", new ReplicaMirror
        {
            Metadata = new V1ObjectMeta { Name = "timed", NamespaceProperty = "default" },
            Spec = new ReplicaMirrorSpec
            {
                Source = new Endpoint { Volume = new VolumeEndpoint { ClaimName = "inbox" } },
                Destinations = [new MirrorDestination { Name = "copy", Volume = new VolumeEndpoint { ClaimName = "replica" } }],
                Interval = "1h",
            },
        });
        var env = new Dictionary<string, string> { ["FERRY_SOURCE_ROOT"] = _source.Path, ["FERRY_DESTINATION_0_NAME"] = "copy", ["FERRY_DESTINATION_0_ROOT"] = _replica.Path };
        var log = new LineLog();

        int code = await WatchMirrorCommand.RunWatcherAsync("default", "timed", _client, env.GetValueOrDefault, log, TimeProvider.System, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains(log.Lines, l => l.Contains("not continuous", StringComparison.Ordinal));
    }

    private Task<V1Lease?> LeaseAsync() => _client.TryGetAsync(KubeResources.Leases, "default", WatcherContract.LeaseName("live"));

    /// <summary>Writes the mirror status the operator would after running (or while running) the full sync of slot <paramref name="slot"/>.</summary>
    private async Task RecordFullSyncAsync(DateTimeOffset slot, string? active)
    {
        ReplicaMirror current = await _client.GetAsync(ApiResources.ReplicaMirrors, "default", "live");
        current.Status = new ReplicaMirrorStatus
        {
            Destinations =
            [
                new MirrorDestinationStatus
                {
                    Name = "copy",
                    Active = active,
                    LastScheduleTime = slot,
                    LastResult = active is null ? new MirrorRunResult { SyncJob = "live-copy-1", Result = MirrorSyncResult.Succeeded, ScheduledTime = slot } : null,
                },
            ],
        };
        await _client.ReplaceStatusAsync(ApiResources.ReplicaMirrors, "default", "live", current);
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Task<int> watcher, LineLog log, string what)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.False(watcher.IsCompleted, $"the watcher ended ({(watcher.IsCompleted ? await watcher : 0)}) before {what}:\n{log}");
            Assert.True(clock.Elapsed < Wait, $"timed out waiting for {what}:\n{log}");
            await Task.Delay(100);
        }
    }
}
