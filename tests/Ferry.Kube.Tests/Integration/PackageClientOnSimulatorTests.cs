using System.Threading.Channels;
using Ferry.Api;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Integration;

/// <summary>Ferry's API types with KubernetesClient's own <see cref="GenericClient"/> (no Ferry client code at all),
/// against the simulator over HTTP: what a user program does with them (README, "Using the API types from C#").</summary>
public sealed class PackageClientOnSimulatorTests
{
    [Fact]
    public async Task GenericClient_CreateListWatchPatchDelete_SyncJobRoundTrips()
    {
        await using var cluster = await SimulatedCluster.StartAsync();
        await cluster.InstallCrdsAsync();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"ferry-generic-{Guid.NewGuid():N}.kubeconfig");
        await cluster.Sim.WriteKubeconfigAsync(kubeconfig);
        try
        {
            using var kubernetes = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            using var syncJobs = new GenericClient(kubernetes, ApiGroup.Group, ApiGroup.Version, SyncJob.PluralName, disposeClient: false);
            var job = SimulatedCluster.Sample("SyncJob", ApiJsonContext.Default.SyncJob);
            job.Metadata = new V1ObjectMeta { Name = "from-generic-client", NamespaceProperty = "default" };

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var events = Channel.CreateUnbounded<(WatchEventType Type, SyncJob Object)>();
            var watchErrors = new List<Exception>();
            var watch = Task.Run(async () =>
            {
                await foreach (var e in syncJobs.WatchNamespacedAsync<SyncJob>("default", onError: watchErrors.Add, cancel: stop.Token))
                {
                    await events.Writer.WriteAsync(e);
                }
            });

            var created = await syncJobs.CreateNamespacedAsync(job, "default", stop.Token);
            Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
            Assert.Equal(job.Spec.Source.S3!.Bucket, created.Spec.Source.S3!.Bucket);
            Assert.Equal(4, created.Spec.Workers); // the sample's value, through the package's JSON

            var list = await syncJobs.ListNamespacedAsync<SyncJobList>("default", cancel: stop.Token);
            var listed = Assert.Single(list.Items);
            Assert.Equal(("from-generic-client", created.Metadata.Uid), (listed.Metadata.Name, listed.Metadata.Uid));

            var patched = await syncJobs.PatchNamespacedAsync<SyncJob>(
                new V1Patch("""{"spec":{"suspend":true}}""", V1Patch.PatchType.MergePatch), "default", "from-generic-client", stop.Token);
            Assert.True(patched.Spec.Suspend);

            // Ferry's own client reads what the package wrote, and the other way round.
            var viaFerry = await cluster.Client.GetAsync(ApiResources.SyncJobs, "default", "from-generic-client");
            Assert.Equal((true, patched.Metadata.ResourceVersion), (viaFerry.Spec.Suspend, viaFerry.Metadata.ResourceVersion));

            using (var first = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
            {
                first.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await events.Reader.WaitToReadAsync(first.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail("no watch event; errors: " + string.Join(" | ", watchErrors) + "; watch task: " + watch.Status + " " + watch.Exception + "\n" + cluster.Sim.Requests);
                }
            }

            var added = await events.Reader.ReadAsync(stop.Token);
            Assert.Equal((WatchEventType.Added, "from-generic-client"), (added.Type, added.Object.Metadata.Name));
            var modified = await events.Reader.ReadAsync(stop.Token);
            Assert.Equal((WatchEventType.Modified, true), (modified.Type, modified.Object.Spec.Suspend));

            await syncJobs.DeleteNamespacedAsync<V1Status>("default", "from-generic-client", stop.Token);
            var deleted = await events.Reader.ReadAsync(stop.Token);
            Assert.Equal((WatchEventType.Deleted, "from-generic-client"), (deleted.Type, deleted.Object.Metadata.Name));
            Assert.Empty((await syncJobs.ListNamespacedAsync<SyncJobList>("default", cancel: stop.Token)).Items);
            await stop.CancelAsync();
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
