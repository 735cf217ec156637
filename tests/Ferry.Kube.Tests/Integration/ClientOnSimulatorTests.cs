using System.Text.Json.Nodes;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Errors;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Integration;

/// <summary>Ferry's own client passes the scenarios the kubectl acceptance test runs against the simulator, and the
/// write semantics the operator depends on.</summary>
public sealed class ClientOnSimulatorTests
{
    private static readonly ResourceType<SyncJob> SyncJobs = SimulatedCluster.SyncJobs;

    [Fact]
    public async Task KubectlScenario_CrdsSampleGetPatchWatchInvalidDelete_PassWithFerryClient()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        await cluster.InstallCrdsAsync();
        var crd = await client.GetAsync(KubeResources.CustomResourceDefinitions, null, "syncjobs.ferry.io");
        Assert.Equal(["sj"], crd.Spec.Names.ShortNames!);

        var sample = SimulatedCluster.Sample("SyncJob", ApiJsonContext.Default.SyncJob);
        var ns = sample.Metadata.NamespaceProperty!;
        await cluster.CreateNamespaceAsync(ns);

        // apply (server-side) the sample, as `kubectl apply` would create it.
        var applied = await client.ApplyAsync(SyncJobs, ns, sample.Metadata.Name!, sample, new ApplyOptions("ferry-test"));
        Assert.Equal(1, applied.Metadata.Generation);
        Assert.True(Guid.TryParse(applied.Metadata.Uid, out _));

        // get -o json (list)
        var list = await client.ListAsync(SyncJobs, null);
        var stored = Assert.Single(list.Items);
        Assert.Equal(sample.Metadata.Name, stored.Metadata.Name);
        Assert.Equal(sample.Spec.Source.S3!.Bucket, stored.Spec.Source.S3!.Bucket);

        // watch streams the change a merge patch makes.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = client.WatchAsync(SyncJobs, ns, new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();
        var patched = await client.PatchAsync(SyncJobs, ns, sample.Metadata.Name!,
            JsonNode.Parse("""{"metadata":{"labels":{"ferry.io/acceptance":"patched"}}}""")!);
        Assert.Equal("patched", patched.Metadata.Labels!["ferry.io/acceptance"]);
        Assert.True(await next);
        Assert.Equal(WatchEventType.Modified, watch.Current.Type);
        Assert.Equal("patched", watch.Current.Object!.Metadata.Labels!["ferry.io/acceptance"]);
        Assert.Equal(1, watch.Current.Object.Metadata.Generation);

        // an invalid variant is rejected with the field.
        var invalid = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(sample, ApiJsonContext.Default.SyncJob))!.AsObject();
        invalid["metadata"]!["name"] = "invalid";
        invalid["spec"]!["threads"] = -1;
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            client.CreateAsync(KubeResources.Untyped(SyncJobs.Descriptor), ns, invalid));
        Assert.True(e.IsInvalid, e.Message);
        Assert.Contains("spec.threads", e.Message, StringComparison.Ordinal);

        // delete, then NotFound.
        await client.DeleteAsync(SyncJobs, ns, sample.Metadata.Name!);
        var gone = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync(SyncJobs, ns, sample.Metadata.Name!));
        Assert.True(gone.IsNotFound);
        Assert.Null(await client.TryGetAsync(SyncJobs, ns, sample.Metadata.Name!));
    }

    [Fact]
    public async Task ReplicaMirrorSample_ApplyListWatchAndStatusConditions_RoundTripThroughTypedClient()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        var mirrors = SimulatedCluster.ReplicaMirrors;
        await cluster.InstallCrdsAsync();
        var sample = SimulatedCluster.Sample("ReplicaMirror", ApiJsonContext.Default.ReplicaMirror);
        var ns = sample.Metadata.NamespaceProperty!;
        await cluster.CreateNamespaceAsync(ns);

        var applied = await client.ApplyAsync(mirrors, ns, sample.Metadata.Name!, sample, new ApplyOptions("ferry-test"));
        Assert.Equal(sample.Spec.Destinations.Count, applied.Spec.Destinations.Count);
        var list = await client.ListAsync(mirrors, ns);
        Assert.Equal(sample.Metadata.Name, Assert.Single(list.Items).Metadata.Name);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watch = client.WatchAsync(mirrors, ns, new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        applied.Status = new Ferry.Api.ReplicaMirrors.ReplicaMirrorStatus
        {
            ObservedGeneration = applied.Metadata.Generation,
            LastSyncTime = now,
            Conditions = [new V1Condition { Type = "Ready", Status = "True", Reason = "Synced", Message = "all destinations in sync", LastTransitionTime = now.UtcDateTime, ObservedGeneration = applied.Metadata.Generation }],
        };
        var written = await client.ReplaceStatusAsync(mirrors, ns, applied.Metadata.Name!, applied);

        Assert.True(await next);
        Assert.Equal(WatchEventType.Modified, watch.Current.Type);
        var condition = Assert.Single(watch.Current.Object!.Status!.Conditions!);
        Assert.Equal(("Ready", "True", now), (condition.Type, condition.Status, condition.LastTransitionTime));
        Assert.Equal(now, written.Status!.LastSyncTime);
        Assert.Equal(applied.Metadata.Generation, written.Metadata.Generation);
    }

    [Fact]
    public async Task StatusSubresource_SpecAndStatusWrittenSeparately_GenerationBumpsOnSpecOnly()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        await cluster.InstallCrdsAsync();
        var sample = SimulatedCluster.Sample("SyncJob", ApiJsonContext.Default.SyncJob);
        sample.Metadata.NamespaceProperty = "default";
        var created = await client.CreateAsync(SyncJobs, "default", sample);
        var name = created.Metadata.Name!;

        created.Status = new SyncJobStatus { Phase = SyncJobPhase.Running, ObservedGeneration = 1 };
        var afterStatus = await client.ReplaceStatusAsync(SyncJobs, "default", name, created);
        Assert.Equal(SyncJobPhase.Running, afterStatus.Status!.Phase);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        // The main endpoint ignores status.
        afterStatus.Status = new SyncJobStatus { Phase = SyncJobPhase.Failed };
        afterStatus.Spec.Suspend = true;
        var afterSpec = await client.ReplaceAsync(SyncJobs, "default", name, afterStatus);
        Assert.Equal(SyncJobPhase.Running, afterSpec.Status!.Phase);
        Assert.Equal(2, afterSpec.Metadata.Generation);

        // /status ignores spec; merge patch on status.
        var patched = await client.PatchStatusAsync(SyncJobs, "default", name,
            JsonNode.Parse("""{"spec":{"suspend":false},"status":{"phase":"Succeeded","lastError":null}}""")!);
        Assert.Equal(SyncJobPhase.Succeeded, patched.Status!.Phase);
        Assert.True(patched.Spec.Suspend);
        Assert.Equal(2, patched.Metadata.Generation);

        var read = await client.GetStatusAsync(SyncJobs, "default", name);
        Assert.Equal(SyncJobPhase.Succeeded, read.Status!.Phase);
    }

    [Fact]
    public async Task Writes_StaleResourceVersionAndDuplicateName_MapToConflictAndAlreadyExists()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string>() { ["k"] = "1" } };
        var v1 = await client.CreateAsync(KubeResources.ConfigMaps, "default", cm);

        var dup = await Assert.ThrowsAsync<KubernetesApiException>(() => client.CreateAsync(KubeResources.ConfigMaps, "default", cm));
        Assert.True(dup.IsAlreadyExists);
        Assert.False(dup.IsConflict);

        v1.Data!["k"] = "2";
        var v2 = await client.ReplaceAsync(KubeResources.ConfigMaps, "default", "c", v1);
        Assert.NotEqual(v1.Metadata.ResourceVersion, v2.Metadata.ResourceVersion);

        v1.Data["k"] = "3";
        var stale = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceAsync(KubeResources.ConfigMaps, "default", "c", v1));
        Assert.True(stale.IsConflict);
        Assert.Equal(409, stale.Code);

        var conditional = await Assert.ThrowsAsync<KubernetesApiException>(() => client.DeleteAsync(KubeResources.ConfigMaps, "default", "c",
            new DeleteOptions { PreconditionResourceVersion = v1.Metadata.ResourceVersion }));
        Assert.True(conditional.IsConflict);
        Assert.Equal("2", (await client.GetAsync(KubeResources.ConfigMaps, "default", "c")).Data!["k"]);
    }

    [Fact]
    public async Task List_SelectorsAndPaging_ReturnEveryMatchOnce()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        for (var i = 0; i < 7; i++)
        {
            await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"c{i}", Labels = new Dictionary<string, string>() { ["ferry.io/run"] = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            });
        }

        var odd = await client.ListAllAsync(KubeResources.ConfigMaps, "default", "ferry.io/run=1", pageSize: 2);
        Assert.Equal(["c1", "c3", "c5"], odd.Items.Select(c => c.Metadata.Name!).Order());

        var first = await client.ListAsync(KubeResources.ConfigMaps, "default", new KubeListOptions { Limit = 3 });
        Assert.Equal(3, first.Items.Count);
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));
        var all = await client.ListAllAsync(KubeResources.ConfigMaps, "default", pageSize: 3);
        Assert.Equal(7, all.Items.Select(c => c.Metadata.Name).Distinct().Count());

        var byName = await client.ListAsync(KubeResources.ConfigMaps, "default", new KubeListOptions { FieldSelector = "metadata.name=c4" });
        Assert.Equal("c4", Assert.Single(byName.Items).Metadata.Name);
    }

    [Fact]
    public async Task Apply_SecondApplyByOwner_RemovesDroppedFieldAndOtherManagerAddsItsOwn()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "applied", NamespaceProperty = "default" }, Data = new Dictionary<string, string>() { ["a"] = "1", ["b"] = "1" } };

        var first = await client.ApplyAsync(KubeResources.ConfigMaps, "default", "applied", cm, new ApplyOptions("ferry-operator"));
        Assert.Equal("1", first.Data!["a"]);

        cm.Data = new Dictionary<string, string>() { ["a"] = "2" };
        var second = await client.ApplyAsync(KubeResources.ConfigMaps, "default", "applied", cm, new ApplyOptions("ferry-operator"));
        Assert.Equal("2", second.Data!["a"]);
        Assert.False(second.Data.ContainsKey("b"));

        // The simulator never reports apply conflicts between managers (tests/README.md), so only forcing is checked here.
        var other = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "applied", NamespaceProperty = "default" }, Data = new Dictionary<string, string>() { ["c"] = "other" } };
        var forced = await client.ApplyAsync(KubeResources.ConfigMaps, "default", "applied", other, new ApplyOptions("someone-else") { Force = true });
        Assert.Equal(("2", "other"), (forced.Data!["a"], forced.Data["c"]));
    }

    [Fact]
    public async Task Delete_WithFinalizer_StaysUntilFinalizerRemovedAndOwnedChildrenAreCollected()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        var client = cluster.Client;
        await cluster.InstallCrdsAsync();
        var sample = SimulatedCluster.Sample("SyncJob", ApiJsonContext.Default.SyncJob);
        sample.Metadata.NamespaceProperty = "default";
        sample.Metadata.Finalizers = ["ferry.io/cleanup"];
        var owner = await client.CreateAsync(SyncJobs, "default", sample);
        await client.CreateAsync(KubeResources.Leases, "default", new V1Lease
        {
            Metadata = new V1ObjectMeta
            {
                Name = "task-0",
                OwnerReferences = [new V1OwnerReference { ApiVersion = owner.ApiVersion, Kind = owner.Kind, Name = owner.Metadata.Name!, Uid = owner.Metadata.Uid!, Controller = true }],
            },
            Spec = new V1LeaseSpec { HolderIdentity = "w-0" },
        });

        await client.DeleteAsync(SyncJobs, "default", owner.Metadata.Name!, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background });
        var terminating = await client.GetAsync(SyncJobs, "default", owner.Metadata.Name!);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);

        await client.PatchAsync(SyncJobs, "default", owner.Metadata.Name!, JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        Assert.Null(await client.TryGetAsync(SyncJobs, "default", owner.Metadata.Name!));
        for (var i = 0; i < 200 && await client.TryGetAsync(KubeResources.Leases, "default", "task-0") is not null; i++)
        {
            await Task.Delay(10);
        }

        Assert.Null(await client.TryGetAsync(KubeResources.Leases, "default", "task-0"));
    }

    [Fact]
    public async Task Watch_ResourceVersionOlderThanHistory_IsGone()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatorOptions { WatchHistorySize = 3 });
        var client = cluster.Client;
        var first = await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c0" } });
        for (var i = 1; i < 10; i++)
        {
            await client.CreateAsync(KubeResources.ConfigMaps, "default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } });
        }

        var gone = false;
        try
        {
            await foreach (var e in client.WatchAsync(KubeResources.ConfigMaps, "default", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion, TimeoutSeconds = 5 }))
            {
                Assert.Equal(WatchEventType.Error, e.Type);
                gone = e.Status!.Code == 410;
                break;
            }
        }
        catch (KubernetesApiException e) when (e.IsGone)
        {
            gone = true;
        }

        Assert.True(gone);
    }

    [Fact]
    public async Task Https_KubeconfigCaData_ClientTrustsOnlyThatCertificate()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatorOptions { UseHttps = true, Token = "sekret" });

        Assert.StartsWith("https://", cluster.Config.Host, StringComparison.Ordinal);
        Assert.NotNull(cluster.Config.SslCaCerts);
        var created = await cluster.Client.CreateAsync(KubeResources.Secrets, "default", new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s" },
            Data = new Dictionary<string, byte[]>() { ["password"] = "p"u8.ToArray() },
        });
        Assert.Equal("p"u8.ToArray(), created.Data!["password"]);

        using var wrongToken = new KubernetesClient(new KubernetesClientConfiguration
        {
            Host = cluster.Config.Host,
            SslCaCerts = cluster.Config.SslCaCerts,
            AccessToken = "wrong",
        });
        var denied = await Assert.ThrowsAsync<KubernetesApiException>(() => wrongToken.GetAsync(KubeResources.Secrets, "default", "s"));
        Assert.True(denied.IsForbidden);
    }
}
