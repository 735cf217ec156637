using System.Diagnostics;
using System.Text.Json.Nodes;
using Ferry.Operator.Hosting;
using Ferry.Operator.Tests.Support;
using YamlDotNet.Serialization;

namespace Ferry.Operator.Tests.Charts;

/// <summary>The Helm chart in <c>charts/ferry</c>, rendered by the real helm (<c>$FERRY_HELM</c>, else <c>helm</c> on
/// PATH): its CRDs are the generated ones, its Deployment's arguments are ones ferry-operator accepts, and its RBAC
/// grants what the operator and the runners do.</summary>
public sealed class FerryChartTests
{
    private static readonly string Chart = Path.Combine(RepoFiles.Root, "charts", "ferry");

    [Fact]
    public void Crds_AreCopiesOfTheGeneratedOnes()
    {
        var generated = Directory.GetFiles(Path.Combine(RepoFiles.Root, "crds"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var chart = Directory.GetFiles(Path.Combine(Chart, "crds"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(generated, chart);
        foreach (var file in generated)
        {
            Assert.True(
                File.ReadAllText(Path.Combine(RepoFiles.Root, "crds", file!)) == File.ReadAllText(Path.Combine(Chart, "crds", file!)),
                $"charts/ferry/crds/{file} differs from crds/{file}: copy it again");
        }
    }

    [Fact]
    public async Task Template_Defaults_DeploymentArgsParseAndRbacCoversTheOperator()
    {
        var objects = await RenderAsync("--namespace", "ferry-system", "--set", "runner.namespaces={ml,etl}");

        var deployment = Assert.Single(objects, o => (string?)o["kind"] == "Deployment");
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("ferry-operator", (string?)container["command"]![0]);
        var args = container["args"]!.AsArray().Select(a => (string)a!).ToList();
        var options = OperatorCommandLine.Parse(args, _ => null);
        Assert.Equal((8080, true, "ferry-system", "ferry-runner"), (options.Port, options.LeaderElection, options.LeaderElectionNamespace, options.RunnerServiceAccountName));
        Assert.StartsWith("ghcr.io/ferry-io/ferry:", options.RunnerImage, StringComparison.Ordinal);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);

        var role = Assert.Single(objects, o => (string?)o["kind"] == "ClusterRole" && !((string)o["metadata"]!["name"]!).EndsWith("-runner", StringComparison.Ordinal));
        AssertAllows(role, "ferry.io", "syncjobs", "get", "list", "watch", "delete");
        AssertAllows(role, "ferry.io", "syncjobs/status", "update");
        AssertAllows(role, "ferry.io", "syncjobs", "create");
        AssertAllows(role, "ferry.io", "replicamirrors", "get", "list", "watch");
        AssertAllows(role, "ferry.io", "replicamirrors/status", "update");
        AssertAllows(role, "batch", "jobs", "get", "list", "watch", "create", "patch", "delete");
        AssertAllows(role, "coordination.k8s.io", "leases", "get", "list", "watch");
        AssertAllows(role, "", "secrets", "get");
        AssertAllows(role, "", "configmaps", "get");
        AssertAllows(role, "", "persistentvolumeclaims", "get");
        AssertAllows(role, "", "events", "create", "patch");
        var election = Assert.Single(objects, o => (string?)o["kind"] == "Role" && ((string)o["metadata"]!["name"]!).EndsWith("-leader-election", StringComparison.Ordinal));
        AssertAllows(election, "coordination.k8s.io", "leases", "get", "create", "update");

        var runner = Assert.Single(objects, o => (string?)o["kind"] == "ClusterRole" && ((string)o["metadata"]!["name"]!).EndsWith("-runner", StringComparison.Ordinal));
        AssertAllows(runner, "ferry.io", "syncjobs", "get");
        AssertAllows(runner, "coordination.k8s.io", "leases", "get", "list", "watch", "create", "update");
        Assert.DoesNotContain(runner["rules"]!.AsArray(), r => r!["resources"]!.AsArray().Any(x => (string?)x == "secrets"));
        var runnerAccounts = objects.Where(o => (string?)o["kind"] == "ServiceAccount" && (string?)o["metadata"]!["name"] == "ferry-runner").Select(o => (string?)o["metadata"]!["namespace"]).Order(StringComparer.Ordinal);
        Assert.Equal(["etl", "ml"], runnerAccounts);
    }

    [Fact]
    public async Task Template_WatchNamespace_NamespacedRoleAndFlag()
    {
        var objects = await RenderAsync("--namespace", "ferry-system", "--set", "operator.watchNamespace=data");

        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "ClusterRoleBinding");
        var role = Assert.Single(objects, o => (string?)o["kind"] == "Role" && (string?)o["metadata"]!["namespace"] == "data");
        AssertAllows(role, "batch", "jobs", "create");
        var args = Assert.Single(objects, o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("data", OperatorCommandLine.Parse(args, _ => null).Namespace);
    }

    [Fact]
    public async Task Template_AlertsAndDashboard_OffByDefault_OnQueryOnlyMetricsTheOperatorExports()
    {
        var defaults = await RenderAsync("--namespace", "ferry-system");
        Assert.DoesNotContain(defaults, o => (string?)o["kind"] == "PrometheusRule");
        Assert.DoesNotContain(defaults, o => (string?)o["kind"] == "ConfigMap");

        var objects = await RenderAsync("--namespace", "ferry-system", "--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.grafanaDashboard.enabled=true");

        var rule = Assert.Single(objects, o => (string?)o["kind"] == "PrometheusRule");
        var alerts = rule["spec"]!["groups"]![0]!["rules"]!.AsArray().ToDictionary(r => (string)r!["alert"]!, r => (string)r!["expr"]!);
        Assert.Equal("ferry_mirror_in_sync == 0", alerts["FerryMirrorOutOfSync"]);
        Assert.Equal("15m", (string?)rule["spec"]!["groups"]![0]!["rules"]!.AsArray().Single(r => (string?)r!["alert"] == "FerryMirrorOutOfSync")!["for"]);
        Assert.Equal("ferry_mirror_consecutive_failures >= 3", alerts["FerryMirrorDestinationFailing"]);
        Assert.Contains("FerrySyncJobFailed", alerts.Keys);
        var dashboard = Assert.Single(objects, o => (string?)o["kind"] == "ConfigMap");
        Assert.Equal("1", (string?)dashboard["metadata"]!["labels"]!["grafana_dashboard"]);
        var panels = JsonNode.Parse((string)dashboard["data"]!["ferry.json"]!)!["panels"]!.AsArray();
        var queries = panels.SelectMany(p => p!["targets"]!.AsArray().Select(t => (string)t!["expr"]!)).Concat(alerts.Values).ToList();
        Assert.Contains(panels, p => ((string)p!["title"]!).Contains("Data age", StringComparison.Ordinal));

        using var metrics = new Ferry.Operator.Metrics.OperatorMetrics(null, "Ferry.Operator.test." + Guid.NewGuid().ToString("N"));
        metrics.Reconciled("syncjob", "success", 0.1);
        metrics.StatusWritten("syncjob");
        // One SyncJob and one mirror destination with a status, so that every instrument has a series to show.
        var syncJob = OperatorHarness.S3ToVolume("charted");
        syncJob.Status = new Ferry.Api.SyncJobs.SyncJobStatus { Phase = Ferry.Api.SyncJobs.SyncJobPhase.Failed, Progress = new Ferry.Api.SyncJobs.SyncProgress { Copied = 1, CopiedBytes = 10 } };
        metrics.SyncJobs = () => [syncJob];
        var mirror = Ferry.Operator.Tests.ReplicaMirrors.MirrorHarness.S3ToVolumes("charted");
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        mirror.Status = new Ferry.Api.ReplicaMirrors.ReplicaMirrorStatus
        {
            Destinations =
            [
                new Ferry.Api.ReplicaMirrors.MirrorDestinationStatus
                {
                    Name = "eu", LastSuccessfulSyncStartTime = start, LastSuccessfulSyncTime = start.AddMinutes(1), ConsecutiveFailures = 0,
                    LastResult = new Ferry.Api.ReplicaMirrors.MirrorRunResult { SyncJob = "charted-eu-1", Result = Ferry.Api.ReplicaMirrors.MirrorSyncResult.Succeeded },
                    Totals = new Ferry.Api.ReplicaMirrors.MirrorDestinationTotals { SucceededRuns = 1, CopiedBytes = 10, MissedRuns = 0 },
                },
            ],
        };
        metrics.Mirrors = () => [mirror];
        using var exporter = new MetricsScrape(metrics.Meter.Name);
        var exported = exporter.Text().Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);
        var queried = queries.SelectMany(q => System.Text.RegularExpressions.Regex.Matches(q, "ferry_[a-z_]+").Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count >= 8, string.Join(", ", queried));
        Assert.All(queried, name => Assert.True(exported.Contains(name), $"{name} is queried by the chart but ferry-operator does not export it (exports: {string.Join(", ", exported)})"));
    }

    [Fact]
    public async Task Template_OperatorStrategy_KubernetesDefaultUnlessSet()
    {
        var defaults = Assert.Single(await RenderAsync("--namespace", "ferry-system"), o => (string?)o["kind"] == "Deployment");
        var recreate = Assert.Single(await RenderAsync("--namespace", "ferry-system", "--set", "operator.strategy.type=Recreate"), o => (string?)o["kind"] == "Deployment");

        Assert.Null(defaults["spec"]!["strategy"]);
        Assert.Equal("Recreate", (string?)recreate["spec"]!["strategy"]!["type"]);
    }

    private static void AssertAllows(JsonNode role, string group, string resource, params string[] verbs)
    {
        var rules = role["rules"]!.AsArray();
        foreach (var verb in verbs)
        {
            Assert.True(
                rules.Any(r => r!["apiGroups"]!.AsArray().Any(g => (string?)g == group)
                    && r["resources"]!.AsArray().Any(x => (string?)x == resource)
                    && r["verbs"]!.AsArray().Any(v => (string?)v == verb)),
                $"{role["metadata"]!["name"]} does not allow {verb} on {group}/{resource}");
        }
    }

    private static async Task<List<JsonNode>> RenderAsync(params string[] extra)
    {
        var helm = Environment.GetEnvironmentVariable("FERRY_HELM") is { Length: > 0 } h ? h : "helm";
        var start = new ProcessStartInfo(helm) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "template", "test", Chart }.Concat(extra))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("helm did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"helm template failed: {await stderr}");

        var deserializer = new DeserializerBuilder().Build();
        var serializer = new SerializerBuilder().JsonCompatible().Build();
        var objects = new List<JsonNode>();
        foreach (var doc in (await stdout).Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var value = deserializer.Deserialize<object?>(doc);
            if (value is not null)
            {
                objects.Add(JsonNode.Parse(serializer.Serialize(value))!);
            }
        }

        return objects;
    }
}
