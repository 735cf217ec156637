using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Ferry.E2E.Tests.Harness;

/// <summary>The Helm chart installed once for the chart scenarios: the image directory published (<see cref="ImageDirectory"/>),
/// a simulator with the process kubelet mapping the chart's default image to it, the release and runner namespaces,
/// and <c>helm install ferry charts/ferry --wait</c> with the chart's defaults plus <see cref="InstallValues"/>. The
/// operator then runs from the chart's Deployment, as the chart's ServiceAccount, under the chart's RBAC.</summary>
/// <remarks>Pods share the host's network in the simulator, so the operator gets a free port, and its rolling update
/// removes the old pod before the new one starts (<c>maxSurge: 0</c>): the new pod could not bind the port before.</remarks>
public sealed class ChartCluster(E2EFixture fixture) : IAsyncLifetime
{
    /// <summary>The release name.</summary>
    public const string Release = "ferry";

    /// <summary>The namespace the chart is installed into.</summary>
    public const string ReleaseNamespace = "ferry-system";

    /// <summary>The namespace given in <c>runner.namespaces</c>.</summary>
    public const string RunnerNamespace = "team-a";

    /// <summary>The operator's ServiceAccount: the chart's default, the release's full name.</summary>
    public const string OperatorServiceAccount = "ferry";

    private E2ECluster? cluster;
    private string? imageDirectory;

    /// <summary>The simulator, kubelet and kubectl.</summary>
    internal E2ECluster Cluster => cluster ?? throw new InvalidOperationException("the chart cluster is not started");

    /// <summary>The S3 server and source tree the collection shares.</summary>
    internal E2EFixture Fixture => fixture;

    /// <summary>The operator's port (<c>operator.port</c>): free on this host.</summary>
    public int OperatorPort { get; private set; }

    /// <summary>The values the install sets beyond the chart's defaults.</summary>
    public IReadOnlyList<string> InstallValues =>
    [
        $"runner.namespaces={{{RunnerNamespace}}}",
        $"operator.port={OperatorPort}",
        "operator.strategy.rollingUpdate.maxSurge=0",
        "operator.strategy.rollingUpdate.maxUnavailable=1",
    ];

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        imageDirectory = Directory.CreateTempSubdirectory("ferry-e2e-image-").FullName;
        await ImageDirectory.PublishAsync(imageDirectory);
        cluster = await E2ECluster.StartAsync(fixture, "chart", imageDirectory);
        cluster.AlsoDescribe.Add(ReleaseNamespace);
        foreach (string ns in new[] { ReleaseNamespace, RunnerNamespace })
        {
            await Cluster.Kubectl.RunOkAsync("create", "namespace", ns);
        }

        OperatorPort = FreePort();
        await HelmOkAsync(["install", Release, Helm.Chart, "--namespace", ReleaseNamespace, "--wait", "--timeout", "180s", .. Set(InstallValues)]);
    }

    /// <summary><c>--set V</c> for each value.</summary>
    public static IEnumerable<string> Set(IEnumerable<string> values) => values.SelectMany(v => new[] { "--set", v });

    /// <summary>Runs helm against the simulator.</summary>
    internal Task<Kubectl.Result> HelmAsync(params string[] args) => Helm.RunAsync(Cluster.KubeconfigPath, Path.Combine(Cluster.Root, "helm"), args);

    /// <summary>Runs helm and fails (with the release namespace described) unless it exits 0.</summary>
    internal async Task<Kubectl.Result> HelmOkAsync(params string[] args)
    {
        Kubectl.Result result = await HelmAsync(args);
        Assert.True(result.ExitCode == 0, $"helm {string.Join(' ', args)}: {result}\n{Cluster.Describe(ReleaseNamespace)}");
        return result;
    }

    /// <summary>The Deployment the chart made.</summary>
    internal JsonObject Deployment() => Cluster.Sim.Store.Get(Cluster.Sim.Store.Type("apps", "deployments"), ReleaseNamespace, Release);

    /// <summary>The operator's pods that have not ended.</summary>
    internal IReadOnlyList<JsonObject> OperatorPods() =>
        [.. Cluster.List("", "pods", ReleaseNamespace, labels: "app.kubernetes.io/component=operator")
            .Where(p => (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed"))];

    /// <summary>GET <paramref name="path"/> on the operator's port: the status code and body.</summary>
    internal async Task<(HttpStatusCode Code, string Body)> GetOperatorAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using HttpResponseMessage response = await http.GetAsync(new Uri($"http://127.0.0.1:{OperatorPort}{path}"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        if (imageDirectory is not null)
        {
            Directory.Delete(imageDirectory, recursive: true);
        }
    }
}
