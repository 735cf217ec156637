using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Errors;
using Ferry.Kube.Runtime;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Integration;

public sealed class InformerOnSimulatorTests
{
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"not reached: {what}");
    }

    private static async Task<bool> CacheMatchesServerAsync(Informer<V1ConfigMap> informer, IKubernetesClient client, string? labelSelector = null)
    {
        var server = await client.ListAllAsync(KubeResources.ConfigMaps, "default", labelSelector);
        var expected = server.Items.Select(c => (c.Metadata.Name, c.Metadata.ResourceVersion)).Order().ToArray();
        var actual = informer.List().Select(c => (c.Metadata.Name, c.Metadata.ResourceVersion)).Order().ToArray();
        return expected.SequenceEqual(actual);
    }

    [Fact]
    public async Task Informer_CreatesUpdatesDeletes_CacheFollowsServerWithSelector()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "pre", Labels = new Dictionary<string, string>() { ["app"] = "ferry" } } });
        await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "other", Labels = new Dictionary<string, string>() { ["app"] = "x" } } });
        var informer = new Informer<V1ConfigMap>(client, KubeResources.ConfigMaps, "default", new InformerOptions { LabelSelector = "app=ferry" });
        var deleted = new List<string>();
        informer.Deleted += c => { lock (deleted) { deleted.Add(c.Metadata.Name!); } };
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("pre", Assert.Single(informer.List()).Metadata.Name);

        for (var i = 0; i < 3; i++)
        {
            await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"n{i}", Labels = new Dictionary<string, string>() { ["app"] = "ferry" } } });
        }

        var n1 = await client.GetAsync(KubeResources.ConfigMaps, "default", "n1");
        n1.Data = new Dictionary<string, string>() { ["k"] = "v" };
        await client.ReplaceAsync(KubeResources.ConfigMaps, "default", "n1", n1);
        await client.DeleteAsync(KubeResources.ConfigMaps, "default", "pre");

        await Eventually(() => CacheMatchesServerAsync(informer, client, "app=ferry"), "cache equals the server's list");
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("v", informer.Get("default", "n1")!.Data!["k"]);
        Assert.Null(informer.Get("default", "other"));
        Assert.Equal(["pre"], deleted);
    }

    [Fact]
    public async Task Informer_DroppedWatchesAndTinyHistory_ConvergesToServerState()
    {
        var options = new SimulatorOptions { WatchHistorySize = 2 };
        options.Faults.DropWatchesAfter = TimeSpan.FromMilliseconds(150);
        await using var cluster = await SimulatedCluster.StartAsync(options);
        var client = cluster.Client;
        var informer = new Informer<V1ConfigMap>(client, KubeResources.ConfigMaps, "default",
            new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200), PageSize = 3 });
        var watchErrors = 0;
        informer.WatchError += _ => Interlocked.Increment(ref watchErrors);
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        for (var i = 0; i < 30; i++)
        {
            await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } });
            if (i % 3 == 0)
            {
                await client.PatchAsync(KubeResources.ConfigMaps, "default", $"c{i}", System.Text.Json.Nodes.JsonNode.Parse("""{"data":{"k":"v"}}""")!);
            }

            if (i % 5 == 0)
            {
                await client.DeleteAsync(KubeResources.ConfigMaps, "default", $"c{i}");
            }

            if (i % 10 == 0)
            {
                await Task.Delay(200);
            }
        }

        await Eventually(() => CacheMatchesServerAsync(informer, client), "cache equals the server's list");
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(24, informer.List().Count);
    }

    [Fact]
    public async Task Controller_InformerEventsDriveReconcile_EveryConfigMapGetsItsLease()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        var informer = new Informer<V1ConfigMap>(client, KubeResources.ConfigMaps, "default");
        using var queue = new WorkQueue<string>();
        informer.Added += c => queue.Add(ObjectKey.Of(c));
        informer.Updated += (_, c) => queue.Add(ObjectKey.Of(c));
        var attempts = 0;
        var controller = new Controller<string>("leases-for-configmaps", queue, async (key, ct) =>
        {
            var (ns, name) = ObjectKey.Parse(key);
            if (informer.Get(ns, name) is not { } cm)
            {
                return ReconcileResult.Done;
            }

            if (Interlocked.Increment(ref attempts) % 4 == 0)
            {
                throw new InvalidOperationException("transient trouble");
            }

            try
            {
                await client.CreateAsync(KubeResources.Leases, ns, new V1Lease
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"for-{name}",
                        OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = name, Uid = cm.Metadata.Uid!, Controller = true }],
                    },
                    Spec = new V1LeaseSpec { HolderIdentity = name },
                }, null, ct);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
            }

            return ReconcileResult.Done;
        });
        using var cts = new CancellationTokenSource();
        var informerRun = informer.RunAsync(cts.Token);
        var controllerRun = controller.RunAsync(3, cts.Token);

        for (var i = 0; i < 10; i++)
        {
            await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm{i}" } });
        }

        await Eventually(async () => (await client.ListAsync(KubeResources.Leases, "default")).Items.Count == 10, "ten leases");
        await cts.CancelAsync();
        await Task.WhenAll(informerRun, controllerRun).WaitAsync(TimeSpan.FromSeconds(30));

        var leases = (await client.ListAsync(KubeResources.Leases, "default")).Items;
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"for-cm{i}").Order(), leases.Select(l => l.Metadata.Name!).Order());
        Assert.All(leases, l => Assert.Equal("ConfigMap", l.Metadata.OwnerReferences![0].Kind));
    }
}
