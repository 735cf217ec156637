using System.Text.Json;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Serialization;
using Ferry.Kube.Tests.Simulator;
using Ferry.Kube.Tests.TestSupport;
using k8s;
using k8s.Models;

namespace Ferry.Kube.Tests.Integration;

/// <summary>A running cluster simulator and Ferry's own client, configured the way a user would: through the
/// kubeconfig the simulator writes.</summary>
internal sealed class SimulatedCluster : IAsyncDisposable
{
    public static readonly ResourceType<SyncJob> SyncJobs = Api.ApiResources.SyncJobs;

    public static readonly ResourceType<ReplicaMirror> ReplicaMirrors = Api.ApiResources.ReplicaMirrors;

    public static readonly ResourceDescriptor Namespaces = new("", "v1", "namespaces", "Namespace", false);

    private readonly TempDirectory _dir;

    private SimulatedCluster(ClusterSimulator sim, KubernetesClient client, KubernetesClientConfiguration config, TempDirectory dir)
    {
        Sim = sim;
        Client = client;
        Config = config;
        _dir = dir;
    }

    public ClusterSimulator Sim { get; }

    public KubernetesClient Client { get; }

    public KubernetesClientConfiguration Config { get; }

    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions? options = null, TimeProvider? clientTime = null)
    {
        var sim = await ClusterSimulator.StartAsync(options);
        var dir = new TempDirectory();
        var kubeconfig = Path.Combine(dir.Path, "kubeconfig");
        await sim.WriteKubeconfigAsync(kubeconfig);
        var config = KubeConfig.LoadDefault(kubeconfig);
        return new SimulatedCluster(sim, new KubernetesClient(config, clientTime), config, dir);
    }

    /// <summary>Creates the repository's CRDs (crds/*.yaml) through the typed CustomResourceDefinition model.</summary>
    public async Task InstallCrdsAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "crds"), "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (var doc in TestFiles.ReadYamlDocuments(file))
            {
                var crd = doc.Deserialize(KubeJson.TypeInfo<V1CustomResourceDefinition>())!;
                await Client.CreateAsync(KubeResources.CustomResourceDefinitions, null, crd);
            }
        }
    }

    public Task CreateNamespaceAsync(string name) =>
        Client.CreateAsync(KubeResources.Untyped(Namespaces), null, new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name },
        });

    /// <summary>The repository's sample of <paramref name="kind"/> (config/samples), as read by the Api types.</summary>
    public static T Sample<T>(string kind, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var doc = Directory.GetFiles(Path.Combine(TestFiles.RepoRoot, "config", "samples"), "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(TestFiles.ReadYamlDocuments)
            .First(d => d["kind"]!.GetValue<string>() == kind);
        return doc.Deserialize(typeInfo)!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sim.DisposeAsync();
        _dir.Dispose();
    }
}
