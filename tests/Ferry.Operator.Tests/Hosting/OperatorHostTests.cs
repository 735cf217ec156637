using System.Net;
using System.Text.RegularExpressions;
using Ferry.Api;
using Ferry.Api.Conditions;
using Ferry.Api.SyncJobs;
using Ferry.ClusterSim;
using Ferry.Kube.Client;
using Ferry.Kube.Config;
using Ferry.Operator.Controllers;
using Ferry.Operator.Hosting;
using Ferry.Operator.SyncJobs;
using Ferry.Operator.Tests.Support;
using k8s;
using k8s.Models;

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
            await using var app = OperatorHost.Build(options, meterName: "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
            await app.StartAsync();
            var address = Assert.Single(OperatorHost.Addresses(app));
            var port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            var health = await http.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            await Eventually.MatchAsync(async () => (await http.GetAsync("/readyz")).StatusCode, c => c == HttpStatusCode.OK, "/readyz 200");

            using var client = new KubernetesClient(new KubernetesClientConfiguration { Host = sim.Url.AbsoluteUri, AccessToken = sim.Token });
            var lease = await client.GetAsync(KubeResources.Leases, "default", "ferry-operator");
            Assert.False(string.IsNullOrEmpty(lease.Spec?.HolderIdentity));

            await client.CreateAsync(ApiResources.SyncJobs, "default", OperatorHarness.S3ToVolume("hosted", secret: "missing"));
            await Eventually.MatchAsync(() => client.TryGetAsync(ApiResources.SyncJobs, "default", "hosted"),
                s => s?.Status?.Conditions?.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False }, "the SyncJob reconciled by the host");

            var metrics = await http.GetAsync("/metrics");
            Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);

            // A reconcile and its status write are counted when they return, after the status is visible to clients:
            // the metrics can trail the status by a moment.
            var text = await Eventually.MatchAsync(() => http.GetStringAsync("/metrics"),
                t => Regex.IsMatch(t, @"ferry_operator_reconcile_total\{controller=""syncjob"",result=""requeue""\} [1-9]")
                    && Regex.IsMatch(t, @"ferry_operator_status_writes_total\{controller=""syncjob""\} [1-9]"),
                "the reconcile and its status write counted in /metrics");
            // The exposition, pinned: names, types and units as the instruments define them, seconds buckets, no scope or
            // target labels (OpenTelemetry's Prometheus exporter as configured by OperatorTelemetry).
            Assert.Contains("# TYPE ferry_operator_reconcile_total counter\n", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE ferry_operator_reconcile_duration_seconds histogram\n", text, StringComparison.Ordinal);
            Assert.Contains("ferry_operator_reconcile_duration_seconds_bucket{controller=\"syncjob\",le=\"0.005\"} ", text, StringComparison.Ordinal);
            Assert.Contains("ferry_operator_reconcile_duration_seconds_bucket{controller=\"syncjob\",le=\"10\"} ", text, StringComparison.Ordinal);
            Assert.Contains("ferry_operator_reconcile_duration_seconds_bucket{controller=\"syncjob\",le=\"+Inf\"} ", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE ferry_operator_syncjobs gauge\n", text, StringComparison.Ordinal);
            Assert.Contains("# TYPE ferry_operator_status_writes_total counter\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
            Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
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

    [Fact]
    public async Task Host_KubeconfigUserIsExecCredentialPlugin_AuthenticatesOverHttpsAndReconciles()
    {
        // The kubeconfig shape EKS, GKE and AKS hand out: the user is an exec plugin that prints an ExecCredential.
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions { UseHttps = true, Token = "from-the-plugin" });
        foreach (var crd in RepoFiles.Crds())
        {
            sim.Store.CreateFromYaml(File.ReadAllText(crd));
        }

        var dir = Directory.CreateTempSubdirectory("ferry-exec-plugin-");
        try
        {
            var calls = Path.Combine(dir.FullName, "calls");
            var plugin = Path.Combine(dir.FullName, "credential-plugin.sh");
            await File.WriteAllTextAsync(plugin, $$$"""
                #!/bin/sh
                echo "$FERRY_PLUGIN_ARG $KUBERNETES_EXEC_INFO" >> '{{{calls}}}'
                printf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-the-plugin"}}'
                """);
            var ca = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(sim.Certificate!.ExportCertificatePem()));
            var kubeconfig = Path.Combine(dir.FullName, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, $"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: sim
                  cluster:
                    server: {sim.Url.AbsoluteUri.TrimEnd('/')}
                    certificate-authority-data: {ca}
                users:
                - name: plugin-user
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: /bin/sh
                      args: ["{plugin}"]
                      env:
                      - name: FERRY_PLUGIN_ARG
                        value: called
                      interactiveMode: Never
                contexts:
                - name: sim
                  context:
                    cluster: sim
                    user: plugin-user
                current-context: sim
                """);

            var options = OperatorCommandLine.Parse(["--kubeconfig", kubeconfig, "--port", "0", "--status-interval", "0.2", "--log-format", "text"], _ => null);
            await using var app = OperatorHost.Build(options, meterName: "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
            await app.StartAsync();

            using var client = new KubernetesClient(new KubernetesClientConfiguration
            {
                Host = sim.Url.AbsoluteUri,
                AccessToken = sim.Token,
                SslCaCerts = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(sim.Certificate.RawData)],
            });
            await Eventually.MatchAsync(() => client.TryGetAsync(KubeResources.Leases, "default", "ferry-operator"),
                l => !string.IsNullOrEmpty(l?.Spec?.HolderIdentity), "the operator elected through the plugin's token");
            await client.CreateAsync(ApiResources.SyncJobs, "default", OperatorHarness.S3ToVolume("exec-auth", secret: "missing"));
            await Eventually.MatchAsync(() => client.TryGetAsync(ApiResources.SyncJobs, "default", "exec-auth"),
                s => s?.Status?.Conditions?.FindCondition(SyncJobConditionTypes.SpecValid) is { Status: ConditionStatus.False }, "the SyncJob reconciled");

            var lines = await File.ReadAllLinesAsync(calls);
            Assert.NotEmpty(lines);
            Assert.All(lines, l => Assert.StartsWith("called ", l, StringComparison.Ordinal));

            // Without the plugin's token the same server refuses: the operator's requests were authenticated by it.
            using var anonymous = new KubernetesClient(new KubernetesClientConfiguration
            {
                Host = sim.Url.AbsoluteUri,
                SslCaCerts = [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(sim.Certificate.RawData)],
            });
            var refused = await Assert.ThrowsAsync<Ferry.Kube.Errors.KubernetesApiException>(() => anonymous.GetAsync(ApiResources.SyncJobs, "default", "exec-auth"));
            Assert.True(refused.IsForbidden);
            await app.StopAsync();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Host_TwoReplicas_OnlyTheLeaderReconcilesAndBothAreReady()
    {
        await using var sim = await ClusterSimulator.StartAsync(new SimulatorOptions());
        foreach (var crd in RepoFiles.Crds())
        {
            sim.Store.CreateFromYaml(File.ReadAllText(crd));
        }

        KubernetesClient NewClient() => new(new KubernetesClientConfiguration { Host = sim.Url.AbsoluteUri, AccessToken = sim.Token });
        OperatorOptions Options() => new() { Port = 0, StatusWriteInterval = TimeSpan.FromMilliseconds(200), LogFormat = "text" };
        await using var first = OperatorHost.Build(Options(), NewClient(), meterName: "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
        await first.StartAsync();
        using var client = NewClient();
        await Eventually.MatchAsync(() => client.TryGetAsync(KubeResources.Leases, "default", "ferry-operator"), l => !string.IsNullOrEmpty(l?.Spec?.HolderIdentity), "a leader");
        await using var second = OperatorHost.Build(Options(), NewClient(), meterName: "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
        await second.StartAsync();

        using var http1 = new HttpClient { BaseAddress = BaseAddress(first) };
        using var http2 = new HttpClient { BaseAddress = BaseAddress(second) };
        await Eventually.MatchAsync(async () => (await http1.GetAsync("/readyz")).StatusCode, c => c == HttpStatusCode.OK, "leader ready");
        await Eventually.MatchAsync(async () => (await http2.GetAsync("/readyz")).StatusCode, c => c == HttpStatusCode.OK, "standby ready");

        await client.CreateAsync(ApiResources.SyncJobs, "default", OperatorHarness.S3ToVolume("elected", secret: "missing"));
        await Eventually.MatchAsync(() => client.TryGetAsync(ApiResources.SyncJobs, "default", "elected"), s => s?.Status?.Conditions is { Count: > 0 }, "reconciled");
        await Eventually.MatchAsync(() => http1.GetStringAsync("/metrics"),
            t => Regex.IsMatch(t, @"ferry_operator_status_writes_total\{controller=""syncjob""\} [1-9]"), "the leader's status writes counted");
        await Task.Delay(500); // time for a standby that wrongly reconciled to show it
        var standby = await http2.GetStringAsync("/metrics");
        Assert.DoesNotContain("ferry_operator_status_writes_total{", standby, StringComparison.Ordinal);
        Assert.DoesNotContain("ferry_operator_reconcile_total{", standby, StringComparison.Ordinal);

        await first.StopAsync();
        await second.StopAsync();
    }

    private static Uri BaseAddress(Microsoft.AspNetCore.Builder.WebApplication app)
    {
        var address = Assert.Single(OperatorHost.Addresses(app));
        return new Uri($"http://127.0.0.1:{new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port}");
    }
}
