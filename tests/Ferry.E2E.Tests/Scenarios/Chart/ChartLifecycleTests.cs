using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ferry.E2E.Tests.Harness;

namespace Ferry.E2E.Tests.Scenarios.Chart;

/// <summary>The Helm chart installed and run (<see cref="ChartCluster"/>): the operator from the chart's Deployment under
/// the chart's ServiceAccount and RBAC becomes ready, a SyncJob and a ReplicaMirror in a runner namespace complete with
/// runner pods under the runner ServiceAccount, a continuous ReplicaMirror's watcher pod runs under it too and applies a
/// change, the two accounts can do what they need and no more, <c>helm upgrade</c>
/// rolls the operator and <c>helm uninstall</c> removes everything but the CRDs. The steps run in order on one
/// install.</summary>
[Collection(E2ECollection.Name)]
[TestCaseOrderer(StepOrderer.TypeName, StepOrderer.AssemblyName)]
public sealed class ChartLifecycleTests(ChartCluster chart) : IClassFixture<ChartCluster>
{
    private const string Ns = ChartCluster.RunnerNamespace;
    private const string Operator = $"system:serviceaccount:{ChartCluster.ReleaseNamespace}:{ChartCluster.OperatorServiceAccount}";
    private const string Runner = $"system:serviceaccount:{Ns}:ferry-runner";

    private E2ECluster Cluster => chart.Cluster;

    [Fact]
    [Step(1)]
    public async Task Install_OperatorRunsFromTheChartsDeploymentAsItsServiceAccountAndBecomesReady()
    {
        string context = Cluster.Describe(ChartCluster.ReleaseNamespace);
        JsonObject deployment = chart.Deployment();
        Assert.True((long?)deployment["status"]?["readyReplicas"] == 1, context);
        Assert.True((long?)deployment["status"]?["updatedReplicas"] == 1, context);
        Assert.Contains(deployment["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Available" && (string?)c["status"] == "True");

        // Helm 4 applied it server-side: helm owns the spec it rendered, the controller the status it wrote.
        JsonArray owners = deployment["metadata"]!["managedFields"]!.AsArray();
        JsonNode helm = Assert.Single(owners, e => (string?)e!["manager"] == "helm" && (string?)e["operation"] == "Apply")!;
        Assert.NotNull(helm["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"operator\"}"]!["f:args"]);
        Assert.Contains(owners, e => (string?)e!["manager"] == "kube-controller-manager" && (string?)e["subresource"] == "status" && e["fieldsV1"]!["f:status"] is not null);

        JsonObject pod = Assert.Single(chart.OperatorPods());
        string podName = (string)pod["metadata"]!["name"]!;
        Assert.Equal(ChartCluster.OperatorServiceAccount, (string?)pod["spec"]!["serviceAccountName"]);
        Assert.Equal("ferry-operator", (string?)pod["spec"]!["containers"]![0]!["command"]![0]);
        Assert.Equal("Running", (string?)pod["status"]!["phase"]);
        Assert.True((bool?)pod["status"]!["containerStatuses"]![0]!["ready"], context);
        Assert.Equal("ReplicaSet", (string?)pod["metadata"]!["ownerReferences"]![0]!["kind"]);
        Assert.NotNull(Cluster.Kubelet.GetProcessId(podName, ChartCluster.ReleaseNamespace));

        // Its only credential is the projected service-account token: a JWT for the chart's ServiceAccount.
        string token = File.ReadAllText(Directory.EnumerateFiles(Path.Combine(Cluster.Root, "pods"), "token", SearchOption.AllDirectories)
            .Single(f => f.Contains($"{ChartCluster.ReleaseNamespace}_{podName}_", StringComparison.Ordinal)));
        Assert.Equal(Operator, (string?)JwtClaims(token)["sub"]);

        // Ready as the readiness probe saw it (the kubelet probes /readyz), healthy, and the leader.
        Assert.Equal((HttpStatusCode.OK, "ok\n"), await chart.GetOperatorAsync("/readyz"));
        Assert.Equal(HttpStatusCode.OK, (await chart.GetOperatorAsync("/healthz")).Code);
        JsonObject lease = Cluster.Sim.Store.Get(Cluster.Sim.Store.Type("coordination.k8s.io", "leases"), ChartCluster.ReleaseNamespace, "ferry-operator");
        Assert.StartsWith(podName + "_", (string?)lease["spec"]!["holderIdentity"], StringComparison.Ordinal);
    }

    [Fact]
    [Step(2)]
    public async Task SyncJob_InARunnerNamespace_CompletesWithRunnerPodsUnderTheRunnerServiceAccount()
    {
        SourceTree tree = chart.Fixture.Tree;
        await Cluster.PrepareSecretAndClaimAsync(Ns, "backup");

        // No spec.runner: the chart's runner image and ServiceAccount apply.
        await Cluster.ApplyAsync(Manifests.SyncJob(Ns, "docs", tree.Bucket, chart.Fixture.S3.Endpoint, "backup", "docs", workers: 2, spec => spec.Remove("runner")));
        SyncJobView status = await Cluster.WaitForCompleteAsync(Ns, "docs", TimeSpan.FromSeconds(180));

        string context = Cluster.Describe(Ns);
        Assert.Equal(tree.Count, status.Progress("copied"));
        Assert.Equal(tree.TotalBytes, status.Progress("copiedBytes"));
        Assert.Equal(0L, status.Progress("failed"));
        TreeSnapshot.AssertEqual(tree.Files, TreeSnapshot.Take(Cluster.VolumePath("backup", "docs")), "the SyncJob's destination");

        JsonObject job = Assert.Single(Cluster.Jobs(Ns));
        JsonNode template = job["spec"]!["template"]!["spec"]!;
        Assert.Equal("ferry-runner", (string?)template["serviceAccountName"]);
        Assert.StartsWith("ghcr.io/ferry-io/ferry:", (string?)template["containers"]![0]!["image"], StringComparison.Ordinal);
        await Cluster.WaitUntilAsync(Ns, () => Cluster.Pods(Ns).All(p => (string?)p["status"]?["phase"] == "Succeeded"), TimeSpan.FromSeconds(60), "every runner pod Succeeded");
        IReadOnlyList<JsonObject> pods = Cluster.Pods(Ns);
        Assert.True(pods.Count >= 2, context);
        Assert.All(pods, p => Assert.Equal("ferry-runner", (string?)p["spec"]!["serviceAccountName"]));
    }

    [Fact]
    [Step(3)]
    public async Task ReplicaMirror_IntervalToAVolume_ReachesASuccessfulRun()
    {
        SourceTree tree = chart.Fixture.Tree;
        await Cluster.PrepareSecretAndClaimAsync(Ns, "replica");

        await Cluster.ApplyAsync(Manifests.ReplicaMirror(Ns, "docs-mirror", tree.Bucket, chart.Fixture.S3.Endpoint, [("local", "replica", "docs")], spec =>
        {
            spec.Remove("runner");
            spec["interval"] = "10m";
        }));
        MirrorView mirror = await Cluster.WaitForMirrorAsync(Ns, "docs-mirror", m => m.LastResult("local") == "Succeeded", TimeSpan.FromSeconds(180), "a successful run");

        string context = Cluster.Describe(Ns);
        TreeSnapshot.AssertEqual(tree.Files, TreeSnapshot.Take(Cluster.VolumePath("replica", "docs")), "the mirror's destination");
        Assert.True(mirror.ConditionStatus("Ready") == "True", context);
        Assert.True(mirror.ConditionStatus("InSync") == "True", context);
        SyncJobView child = Assert.Single(Cluster.MirrorChildren(Ns, "docs-mirror", "local"));
        Assert.True(child.Is("Complete"), context);
        Assert.Equal("ReplicaMirror", (string?)child.Object["metadata"]!["ownerReferences"]![0]!["kind"]);
        Assert.Contains(Cluster.Events(Ns, "ReplicaMirror", "docs-mirror"), e => (string?)e["reason"] == "RunSucceeded");
    }

    [Fact]
    [Step(4)]
    public async Task ContinuousMirror_WatcherPodRunsAsTheRunner_AppliesAChange_GoesWithTheMirror()
    {
        await Cluster.PrepareSecretAndClaimAsync(Ns, "inbox");
        await Cluster.ApplyAsync(Manifests.Claim(Ns, "standby"));
        string source = Cluster.VolumePath("inbox", "data");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "before.txt"), "there before the watcher\n");

        // No spec.runner: the watcher pod gets the chart's runner image and ServiceAccount, and its RBAC.
        await Cluster.ApplyAsync(new JsonObject
        {
            ["apiVersion"] = "ferry.io/v1alpha1",
            ["kind"] = "ReplicaMirror",
            ["metadata"] = new JsonObject { ["name"] = "live", ["namespace"] = Ns },
            ["spec"] = new JsonObject
            {
                ["source"] = new JsonObject { ["volume"] = new JsonObject { ["claimName"] = "inbox", ["path"] = "data" } },
                ["destinations"] = new JsonArray(new JsonObject { ["name"] = "standby", ["volume"] = new JsonObject { ["claimName"] = "standby", ["path"] = "copy" } }),
                ["continuous"] = new JsonObject { ["delay"] = "1s", ["fullSyncInterval"] = "0s" },
                ["rpo"] = "1m",
            },
        });
        try
        {
            MirrorView first = await Cluster.WaitForMirrorAsync(Ns, "live", m => m.LastResult("standby") == "Succeeded" && m.ConditionStatus("InSync") == "True",
                TimeSpan.FromSeconds(180), "the first full sync and InSync");
            string context = Cluster.Describe(Ns);
            Assert.True((string?)first.Continuous?["watcherPod"] == "live-watcher-0", context);
            JsonObject watcher = Assert.Single(Cluster.Pods(Ns), p => (string?)p["metadata"]!["name"] == "live-watcher-0");
            Assert.Equal("ferry-runner", (string?)watcher["spec"]!["serviceAccountName"]);
            Assert.Equal("Running", (string?)watcher["status"]!["phase"]);
            Assert.StartsWith("ghcr.io/ferry-io/ferry:", (string?)watcher["spec"]!["containers"]![0]!["image"], StringComparison.Ordinal);
            JsonObject lease = Cluster.Sim.Store.Get(Cluster.Sim.Store.Type("coordination.k8s.io", "leases"), Ns, "live-watcher");
            Assert.Equal("live-watcher-0", (string?)lease["spec"]!["holderIdentity"]);
            Assert.Equal("there before the watcher\n", File.ReadAllText(Cluster.VolumePath("standby", "copy/before.txt")));

            // A change reaches the standby through a batch of the watcher, which reads its mirror and writes its Lease as ferry-runner.
            File.WriteAllText(Path.Combine(source, "after.txt"), "written while watched\n");
            await Cluster.WaitUntilAsync(Ns, () => File.Exists(Cluster.VolumePath("standby", "copy/after.txt")), TimeSpan.FromSeconds(60), "the change on the standby");
            MirrorView batched = await Cluster.WaitForMirrorAsync(Ns, "live", m => (long?)m.Continuous?["lastBatchKeys"] >= 1 && (long?)m.Continuous?["pendingChanges"] == 0,
                TimeSpan.FromSeconds(60), "status.continuous showing the batch");
            Assert.True(batched.ConditionStatus("InSync") == "True", Cluster.Describe(Ns));
            Assert.Single(Cluster.MirrorChildren(Ns, "live", "standby"));
            Assert.DoesNotContain(Cluster.Events(Ns, "Pod", "live-watcher-0"), e => ((string?)e["message"] ?? "").Contains("forbidden", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            // The watcher pod and its Lease are owned by the mirror: garbage collection removes them with it.
            await Cluster.Kubectl.RunOkAsync("delete", "replicamirror", "live", "-n", Ns);
        }

        await Cluster.WaitUntilAsync(Ns, () => !Cluster.Pods(Ns).Any(p => ((string)p["metadata"]!["name"]!).StartsWith("live-watcher-", StringComparison.Ordinal))
            && Cluster.Kubelet.GetProcessId("live-watcher-0", Ns) is null, TimeSpan.FromSeconds(60), "the watcher pod and its process gone with the mirror");
        Assert.Empty(Cluster.List("coordination.k8s.io", "leases", Ns, "metadata.name=live-watcher"));
    }

    [Fact]
    [Step(5)]
    public async Task Rbac_TheRunnerReadsNoSecret_TheOperatorOnlyWhatItNeeds()
    {
        (string Verb, string Resource, string Namespace, string As, bool Allowed)[] cases =
        [
            ("get", "secrets", Ns, Runner, false),
            ("list", "secrets", Ns, Runner, false),
            ("watch", "secrets", Ns, Runner, false),
            ("get", "secrets", ChartCluster.ReleaseNamespace, Runner, false),
            ("get", "secrets", "default", Runner, false),
            ("get", "syncjobs.ferry.io", Ns, Runner, true),
            ("update", "syncjobs.ferry.io", Ns, Runner, false),
            ("get", "syncjobs.ferry.io", "default", Runner, false),
            ("update", "leases.coordination.k8s.io", Ns, Runner, true),
            ("create", "leases.coordination.k8s.io", Ns, Runner, true),
            ("get", "replicamirrors.ferry.io", Ns, Runner, true),
            ("update", "replicamirrors.ferry.io", Ns, Runner, false),
            ("update", "replicamirrors.ferry.io/status", Ns, Runner, false),
            ("get", "configmaps", Ns, Runner, true),
            ("list", "configmaps", Ns, Runner, false),
            ("create", "pods", Ns, Runner, false),

            ("get", "secrets", Ns, Operator, true),
            ("list", "secrets", Ns, Operator, false),
            ("watch", "secrets", Ns, Operator, false),
            ("update", "secrets", Ns, Operator, false),
            ("delete", "secrets", Ns, Operator, false),
            ("create", "pods", Ns, Operator, true),
            ("delete", "pods", Ns, Operator, true),
            ("update", "pods", Ns, Operator, false),
            ("patch", "pods", Ns, Operator, false),
            ("create", "pods/exec", Ns, Operator, false),
            ("get", "pods/log", Ns, Operator, false),
            ("create", "jobs.batch", Ns, Operator, true),
            ("update", "leases.coordination.k8s.io", Ns, Operator, false),
            ("update", "leases.coordination.k8s.io", ChartCluster.ReleaseNamespace, Operator, true),
            ("create", "syncjobs.ferry.io", Ns, Operator, true),
            ("delete", "syncjobs.ferry.io", Ns, Operator, true),
            ("update", "replicamirrors.ferry.io/status", Ns, Operator, true),
            ("update", "replicamirrors.ferry.io", Ns, Operator, true),
            ("create", "clusterroles.rbac.authorization.k8s.io", "", Operator, false),
        ];
        var wrong = new List<string>();
        foreach ((string? verb, string? resource, string? ns, string? user, bool allowed) in cases)
        {
            // kubectl reads TYPE/NAME: a subresource goes in --subresource.
            string[] target = resource.Split('/') is [var type, var subresource] ? [type, "--subresource", subresource] : [resource];
            string[] args = ns.Length == 0 ? ["auth", "can-i", verb, .. target, "--as", user] : ["auth", "can-i", verb, .. target, "-n", ns, "--as", user];
            Kubectl.Result result = await Cluster.Kubectl.RunAsync(args);
            string answer = result.Stdout.Trim();
            if (answer != (allowed ? "yes" : "no") || result.ExitCode != (allowed ? 0 : 1))
            {
                wrong.Add($"kubectl {string.Join(' ', args)}: {answer} (exit {result.ExitCode}), expected {(allowed ? "yes" : "no")} {result.Stderr}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    [Step(6)]
    public async Task Upgrade_AChangedValue_RollsTheOperatorToANewReplicaSetWithTheNewArgs()
    {
        JsonObject before = Assert.Single(chart.OperatorPods());
        string oldPod = (string)before["metadata"]!["name"]!;
        string oldReplicaSet = (string)before["metadata"]!["ownerReferences"]![0]!["name"]!;

        string[] upgrade = ["upgrade", ChartCluster.Release, Helm.Chart, "--namespace", ChartCluster.ReleaseNamespace, "--wait", "--timeout", "180s",
            .. ChartCluster.Set([.. chart.InstallValues, "operator.statusIntervalSeconds=3"])];

        // Someone relabelled the Deployment by hand: Helm's server-side apply meets the field kubectl now owns.
        await Cluster.Kubectl.RunOkAsync("label", "deployment", ChartCluster.Release, "-n", ChartCluster.ReleaseNamespace, "app.kubernetes.io/version=hand-edited", "--overwrite");
        Kubectl.Result refused = await chart.HelmAsync(upgrade);
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("conflict with \"kubectl-label\" using apps/v1: .metadata.labels.app.kubernetes.io/version", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(oldPod, (string?)Assert.Single(chart.OperatorPods())["metadata"]!["name"]);

        await chart.HelmOkAsync([.. upgrade, "--force-conflicts"]);
        Assert.NotEqual("hand-edited", (string?)chart.Deployment()["metadata"]!["labels"]!["app.kubernetes.io/version"]); // forced: the chart's value again

        string context = Cluster.Describe(ChartCluster.ReleaseNamespace);
        JsonObject deployment = chart.Deployment();
        Assert.True((string?)deployment["metadata"]!["annotations"]?["deployment.kubernetes.io/revision"] == "2", context);
        Assert.True((long?)deployment["status"]?["updatedReplicas"] == 1 && (long?)deployment["status"]?["readyReplicas"] == 1, context);
        await Cluster.WaitUntilAsync(ChartCluster.ReleaseNamespace, () => chart.OperatorPods().Count == 1 && chart.OperatorPods()[0]["metadata"]!["name"]!.ToString() != oldPod,
            TimeSpan.FromSeconds(60), "one operator pod, not the old one");
        JsonObject after = chart.OperatorPods()[0];
        string newReplicaSet = (string)after["metadata"]!["ownerReferences"]![0]!["name"]!;
        Assert.NotEqual(oldReplicaSet, newReplicaSet);
        Assert.Contains("--status-interval=3", after["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string?)a));
        JsonObject old = Cluster.Sim.Store.Get(Cluster.Sim.Store.Type("apps", "replicasets"), ChartCluster.ReleaseNamespace, oldReplicaSet);
        Assert.Equal(0L, (long?)old["spec"]!["replicas"]);
        Assert.Null(Cluster.Kubelet.GetProcessId(oldPod, ChartCluster.ReleaseNamespace));
        await Cluster.WaitUntilAsync(ChartCluster.ReleaseNamespace, () => chart.GetOperatorAsync("/readyz").GetAwaiter().GetResult().Code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "the new operator's /readyz");
    }

    [Fact]
    [Step(7)]
    public async Task Uninstall_KeepsTheCrdsAndRemovesEverythingElse()
    {
        await chart.HelmOkAsync("uninstall", ChartCluster.Release, "--namespace", ChartCluster.ReleaseNamespace, "--wait", "--timeout", "120s");

        string context = Cluster.Describe(ChartCluster.ReleaseNamespace);
        foreach (string crd in new[] { "syncjobs.ferry.io", "replicamirrors.ferry.io" })
        {
            Assert.Single(Cluster.List("apiextensions.k8s.io", "customresourcedefinitions", "", "metadata.name=" + crd));
        }

        await Cluster.WaitUntilAsync(ChartCluster.ReleaseNamespace, () => Cluster.Pods(ChartCluster.ReleaseNamespace).Count == 0 && Cluster.Kubelet.ProcessIds.Count == 0,
            TimeSpan.FromSeconds(60), "the operator pod and its process gone");
        (string Group, string Plural, string Ns)[] left =
        [
            ("apps", "deployments", ChartCluster.ReleaseNamespace), ("apps", "replicasets", ChartCluster.ReleaseNamespace), ("", "services", ChartCluster.ReleaseNamespace),
            ("rbac.authorization.k8s.io", "roles", ChartCluster.ReleaseNamespace), ("rbac.authorization.k8s.io", "rolebindings", ChartCluster.ReleaseNamespace),
            ("rbac.authorization.k8s.io", "rolebindings", Ns), ("rbac.authorization.k8s.io", "clusterroles", ""), ("rbac.authorization.k8s.io", "clusterrolebindings", ""),
            ("", "secrets", ChartCluster.ReleaseNamespace), ("", "serviceaccounts", ChartCluster.ReleaseNamespace), ("", "serviceaccounts", Ns),
        ];
        var remaining = left.SelectMany(l => Cluster.List(l.Group, l.Plural, l.Ns)
                .Where(o => (string?)o["metadata"]!["name"] != "default" && !((string)o["metadata"]!["name"]!).StartsWith("system:", StringComparison.Ordinal) && (string?)o["metadata"]!["name"] != "cluster-admin")
                .Select(o => $"{l.Plural}/{o["metadata"]!["name"]}"))
            .ToList();
        Assert.True(remaining.Count == 0, $"left after helm uninstall: {string.Join(", ", remaining)}\n{context}");

        // The custom resources stay with their CRDs.
        Assert.NotNull(Cluster.TryGetSyncJob(Ns, "docs"));
    }

    private static JsonObject JwtClaims(string token)
    {
        string payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)))!.AsObject();
    }
}
