using System.Net;
using Ferry.Api.Conditions;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Kube.Models;
using Ferry.Operator.Hosting;
using Ferry.Operator.SyncJobs;
using Ferry.Operator.Tests.Support;

namespace Ferry.Operator.Tests.Hosting;

/// <summary>The whole <c>ferry-operator</c> host in process against the cluster simulator, configured from a
/// kubeconfig file as the executable is.</summary>
public sealed class OperatorHostTests
{
    [Fact]
    public async Task Host_AgainstSimulator_ServesHealthReadinessMetricsAndReconciles()
    {
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
        foreach (var crd in RepoFiles.Crds())
        {
            sim.Store.CreateFromYaml(File.ReadAllText(crd));
        }

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"ferry-operator-test-{Guid.NewGuid():N}.kubeconfig");
        await sim.WriteKubeconfigAsync(kubeconfig);
        try
        {
            var options = OperatorCommandLine.Parse(["--kubeconfig", kubeconfig, "--port", "0", "--status-interval", "0.2", "--log-format", "text"], _ => null);
            await using var app = OperatorHost.Build(options);
            await app.StartAsync();
            var address = Assert.Single(OperatorHost.Addresses(app));
            var port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            var health = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            await Eventually.MatchAsync(async () => (await http.GetAsync("/readyz")).StatusCode, c => c == HttpStatusCode.OK, "/readyz 200");

            using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = sim.Url, Token = new StaticTokenSource(sim.Token) });
            var lease = await client.GetAsync(KubeResources.Leases, "default", "ferry-operator");
            Assert.False(string.IsNullOrEmpty(lease.Spec?.HolderIdentity));

            await client.CreateAsync(SyncJobResources.SyncJobs, "default", OperatorHarness.S3ToVolume("hosted", secret: "missing"));
            await Eventually.MatchAsync(() => client.TryGetAsync(SyncJobResources.SyncJobs, "default", "hosted"),
                s => s?.Status?.Conditions?.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False }, "the SyncJob reconciled by the host");

            var metrics = await http.GetAsync("/metrics");
            Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
            var text = await metrics.Content.ReadAsStringAsync();
            Assert.Contains("# TYPE ferry_operator_reconcile_total counter", text, StringComparison.Ordinal);
            Assert.Matches(@"ferry_operator_reconcile_total\{controller=""syncjob"",result=""requeue""\} [1-9]", text);
            Assert.Contains("ferry_operator_reconcile_duration_seconds_count{controller=\"syncjob\"}", text, StringComparison.Ordinal);
            Assert.Contains("ferry_operator_syncjobs{phase=\"Pending\"} 1", text, StringComparison.Ordinal);
            Assert.Matches(@"ferry_operator_status_writes_total\{controller=""syncjob""\} [1-9]", text);

            await app.StopAsync();
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
