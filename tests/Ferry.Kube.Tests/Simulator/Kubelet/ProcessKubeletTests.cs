using System.Net;
using System.Text.Json.Nodes;
using Ferry.ClusterSim;
using Ferry.ClusterSim.Kubelet;
using Ferry.ClusterSim.Resources;
using Ferry.ClusterSim.Storage;

namespace Ferry.Kube.Tests.Simulator.Kubelet;

/// <summary>The process kubelet and Job controller: Jobs whose container is a <c>/bin/sh -c</c> script run as real
/// local processes, and Pod and Job status follow them.</summary>
public sealed class ProcessKubeletTests
{
    private const string Secret = """
        apiVersion: v1
        kind: Secret
        metadata: {name: creds, namespace: default}
        stringData: {user: alice, password: s3cr3t}
        """;

    [Fact]
    public async Task Job_EnvSecretsConfigMapsAndFieldRefs_AreResolvedInTheProcessEnvironment()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateYaml(Secret);
        h.CreateYaml("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: default}
            data: {mode: fast}
            """);
        JsonObject container = JsonNode.Parse("""
            {"env": [
               {"name": "PLAIN", "value": "plain-value"},
               {"name": "EXPANDED", "value": "x-$(PLAIN)-y"},
               {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
               {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
               {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
               {"name": "POD_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
             "envFrom": [{"secretRef": {"name": "creds"}, "prefix": "S_"}]}
            """)!.AsObject();
        const string script = """
            echo "PLAIN=$PLAIN"; echo "EXPANDED=$EXPANDED"; echo "PASSWORD=$PASSWORD"; echo "MODE=$MODE"
            echo "POD_NAME=$POD_NAME"; echo "POD_NS=$POD_NS"; echo "S_USER=$S_user"; echo "HOST=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"
            echo "TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"
            echo "NAMESPACE=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)"
            echo "WHOAMI=$(KUBECTL auth whoami -o jsonpath='{.status.userInfo.username}')"
            echo oops >&2
            """;
        string kubectl = Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } k ? k : "kubectl";
        h.CreateJob(KubeletHarness.Job("env", script.Replace("KUBECTL", $"'{kubectl}'", StringComparison.Ordinal), container: container));

        await h.WaitForJobConditionAsync("env", "Complete");
        JsonObject pod = Assert.Single(h.PodsOf("env"));
        string podName = (string)pod["metadata"]!["name"]!;
        Assert.Equal("Succeeded", KubeletHarness.Phase(pod));
        Assert.Equal(0, (int)pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!);
        string[] log = h.Kubelet.ReadLog(podName).Split('\n');
        Assert.Contains("PLAIN=plain-value", log);
        Assert.Contains("EXPANDED=x-plain-value-y", log);
        Assert.Contains("PASSWORD=s3cr3t", log);
        Assert.Contains("MODE=fast", log);
        Assert.Contains($"POD_NAME={podName}", log);
        Assert.Contains("POD_NS=default", log);
        Assert.Contains("S_USER=alice", log);
        Assert.Contains($"HOST=127.0.0.1:{h.Sim.InClusterUrl.Port}", log);
        string token = log.Single(l => l.StartsWith("TOKEN=", StringComparison.Ordinal))["TOKEN=".Length..];
        Assert.True(h.Sim.Auth.Tokens.Verify(token) is not null, string.Join("\n", log));
        Assert.Equal("system:serviceaccount:default:default", (string?)h.Sim.Auth.Tokens.Verify(token)?["sub"]);
        Assert.Equal(podName, (string?)h.Sim.Auth.Tokens.Verify(token)?["kubernetes.io"]?["pod"]?["name"]);
        Assert.Contains("NAMESPACE=default", log);
        Assert.True(log.Contains("WHOAMI=system:serviceaccount:default:default"), string.Join("\n", log)); // kubectl's own in-cluster configuration: env, token, ca.crt
        Assert.Contains("oops", log);
    }

    [Fact]
    public async Task Job_SecretVolume_FilesVisibleAtTheMappedMountPath()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateYaml(Secret);
        JsonObject pod = JsonNode.Parse("""{"volumes": [{"name": "creds", "secret": {"secretName": "creds"}}]}""")!.AsObject();
        JsonObject container = JsonNode.Parse("""{"volumeMounts": [{"name": "creds", "mountPath": "/etc/ferry/creds", "readOnly": true}]}""")!.AsObject();
        h.CreateJob(KubeletHarness.Job("vol", """test "$(cat /etc/ferry/creds/password)" = s3cr3t && ! touch /etc/ferry/creds/new 2>/dev/null && echo "at /etc/ferry/creds/user: $(cat /etc/ferry/creds/user)" """,
            container: container, pod: pod));

        await h.WaitForJobConditionAsync("vol", "Complete");
        string podName = (string)h.PodsOf("vol")[0]["metadata"]!["name"]!;
        string line = h.Kubelet.ReadLog(podName).Trim();
        Assert.Equal("at /etc/ferry/creds/user: alice", line); // at the mount path itself, read-only, in the pod's mount namespace
        Assert.False(Directory.Exists("/etc/ferry/creds"), "the mount must not leak to the host");
    }

    [Fact]
    public async Task Job_PersistentVolumeClaim_IsTheClaimsDirectoryUnderVolumesDirectory()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        JsonObject pod = JsonNode.Parse("""{"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "results"}}]}""")!.AsObject();
        JsonObject container = JsonNode.Parse("""{"volumeMounts": [{"name": "data", "mountPath": "/data"}], "workingDir": "/data"}""")!.AsObject();
        h.CreateJob(KubeletHarness.Job("pvc", "mkdir -p /data/sub && printf hello > /data/sub/greeting.txt && printf cwd > relative.txt",
            container: container, pod: pod));

        await h.WaitForJobConditionAsync("pvc", "Complete");
        Assert.Equal("hello", await File.ReadAllTextAsync(Path.Combine(h.Volumes.FullName, "results", "sub", "greeting.txt")));
        Assert.Equal("cwd", await File.ReadAllTextAsync(Path.Combine(h.Volumes.FullName, "results", "relative.txt")));
    }

    [Fact]
    public async Task Job_Parallelism3_RunsThreeProcessesAndReportsThemActive()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("par", "sleep 60", new JsonObject { ["parallelism"] = 3 }));

        List<int> pids = await h.WaitAsync("3 running processes", () =>
        {
            var ids = h.PodsOf("par").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)).OfType<int>().ToList();
            return ids.Count == 3 ? ids : null;
        });
        Assert.Equal(3, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.True(NativeSignals.IsAlive(pid)));
        Assert.All(pids, pid => Assert.Equal(pid, ProcessGroup(pid))); // Each pod leads its own process group.
        JsonObject job = await h.WaitAsync("active 3", () => KubeletHarness.Count(h.GetJob("par"), "active") == 3 ? h.GetJob("par") : null);
        Assert.NotNull(job["status"]!["startTime"]);
        Assert.All(h.PodsOf("par"), p =>
        {
            Assert.Equal("Running", KubeletHarness.Phase(p));
            Assert.NotNull(p["status"]!["containerStatuses"]![0]!["state"]!["running"]);
            Assert.StartsWith("par-", (string)p["metadata"]!["name"]!, StringComparison.Ordinal);
            Assert.Equal((string)job["metadata"]!["uid"]!, (string)p["metadata"]!["labels"]!["controller-uid"]!);
            Assert.Equal((string)job["metadata"]!["uid"]!, (string)p["metadata"]!["ownerReferences"]![0]!["uid"]!);
            Assert.Equal("test", (string)p["metadata"]!["labels"]!["app"]!);
        });
    }

    [Fact]
    public async Task Job_WorkQueue_CompletesOnlyOnceOneSucceededAndNoneIsActive()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        JsonObject pod = JsonNode.Parse("""{"volumes": [{"name": "q", "persistentVolumeClaim": {"claimName": "queue"}}]}""")!.AsObject();
        JsonObject container = JsonNode.Parse("""{"volumeMounts": [{"name": "q", "mountPath": "/queue"}]}""")!.AsObject();
        const string script = "if mkdir /queue/first 2>/dev/null; then exit 0; fi; while [ ! -e /queue/release ]; do sleep 0.05; done";
        h.CreateJob(KubeletHarness.Job("wq", script, new JsonObject { ["parallelism"] = 3 }, container, pod));

        JsonObject job = await h.WaitAsync("1 succeeded, 2 active", () =>
        {
            JsonObject j = h.GetJob("wq");
            return KubeletHarness.Count(j, "succeeded") == 1 && KubeletHarness.Count(j, "active") == 2 ? j : null;
        });
        Assert.Null(KubeletHarness.Condition(job, "Complete"));
        Assert.Equal(3, h.PodsOf("wq").Count);

        await File.WriteAllTextAsync(Path.Combine(h.Volumes.FullName, "queue", "release"), "");
        job = await h.WaitForJobConditionAsync("wq", "Complete");
        Assert.Equal(3, KubeletHarness.Count(job, "succeeded"));
        Assert.Equal(0, KubeletHarness.Count(job, "active"));
        Assert.NotNull(job["status"]!["completionTime"]);
        Assert.Equal(3, h.PodsOf("wq").Count); // No pod was made after the first success.
    }

    [Fact]
    public async Task Job_Completions2_CompletesAfterTwoSuccessfulPods()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("two", "exit 0", new JsonObject { ["completions"] = 2, ["parallelism"] = 1 }));

        JsonObject job = await h.WaitForJobConditionAsync("two", "Complete");

        Assert.Equal(2, KubeletHarness.Count(job, "succeeded"));
        IReadOnlyList<JsonObject> pods = h.PodsOf("two");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal("Succeeded", KubeletHarness.Phase(p)));
    }

    [Fact]
    public async Task KillPod_Sigkill_PodFailsWith137AndTheJobReplacesItAndCompletes()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        JsonObject pod = JsonNode.Parse("""{"volumes": [{"name": "q", "persistentVolumeClaim": {"claimName": "queue"}}]}""")!.AsObject();
        JsonObject container = JsonNode.Parse("""{"volumeMounts": [{"name": "q", "mountPath": "/queue"}]}""")!.AsObject();
        h.CreateJob(KubeletHarness.Job("crash", "while [ ! -e /queue/release ]; do sleep 0.05; done", new JsonObject { ["backoffLimit"] = 2 }, container, pod));

        JsonObject first = await h.WaitAsync("a running pod", () => h.PodsOf("crash").FirstOrDefault(p => KubeletHarness.Phase(p) == "Running"));
        string firstName = (string)first["metadata"]!["name"]!;
        int pid = h.Kubelet.GetProcessId(firstName)!.Value;
        Assert.True(h.Kubelet.KillPod(firstName, signal: PodSignal.SIGKILL));

        JsonObject failed = await h.WaitAsync("the killed pod Failed", () => h.PodsOf("crash").FirstOrDefault(p => (string?)p["metadata"]!["name"] == firstName && KubeletHarness.Phase(p) == "Failed"));
        Assert.Equal(137, (int)failed["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!);
        Assert.False(NativeSignals.IsAlive(pid));
        JsonObject replacement = await h.WaitAsync("a replacement running", () => h.PodsOf("crash").FirstOrDefault(p => (string?)p["metadata"]!["name"] != firstName && KubeletHarness.Phase(p) == "Running"));
        Assert.NotEqual(pid, h.Kubelet.GetProcessId((string)replacement["metadata"]!["name"]!));

        await File.WriteAllTextAsync(Path.Combine(h.Volumes.FullName, "queue", "release"), "");
        JsonObject job = await h.WaitForJobConditionAsync("crash", "Complete");
        Assert.Equal(1, KubeletHarness.Count(job, "failed"));
        Assert.Equal(1, KubeletHarness.Count(job, "succeeded"));
    }

    [Fact]
    public async Task Job_PodsFailMoreThanBackoffLimit_FailedBackoffLimitExceeded()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("bad", "exit 3", new JsonObject { ["backoffLimit"] = 1, ["parallelism"] = 1 }));

        JsonObject job = await h.WaitForJobConditionAsync("bad", "Failed");
        Assert.Equal("BackoffLimitExceeded", KubeletHarness.Condition(job, "Failed"));
        Assert.Equal(2, KubeletHarness.Count(job, "failed"));
        Assert.Null(KubeletHarness.Condition(job, "Complete"));
        IReadOnlyList<JsonObject> pods = h.PodsOf("bad");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal(3, (int)p["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!));
    }

    [Fact]
    public async Task Job_ActiveDeadlineSeconds_FailedDeadlineExceededAndPodsKilled()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        // Long enough for the pod's process to start (and be seen) on a loaded machine before the deadline kills it.
        h.CreateJob(KubeletHarness.Job("slow", "sleep 60", new JsonObject { ["activeDeadlineSeconds"] = 3 }));
        object pid = await h.WaitAsync("a process", () => h.PodsOf("slow").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)).OfType<int>().Select(i => (int?)i).FirstOrDefault() is { } id ? (object)id : null);

        JsonObject job = await h.WaitForJobConditionAsync("slow", "Failed");
        Assert.Equal("DeadlineExceeded", KubeletHarness.Condition(job, "Failed"));
        Assert.Empty(h.PodsOf("slow"));
        await h.WaitAsync("the process gone", () => NativeSignals.IsAlive((int)pid) ? null : pid);
    }

    [Fact]
    public async Task DeleteJob_Background_PodsAndTheirProcessesAreGone()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("del", "sleep 60", new JsonObject { ["parallelism"] = 2 }));
        List<int> pids = await h.WaitAsync("2 processes", () =>
        {
            var ids = h.PodsOf("del").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)).OfType<int>().ToList();
            return ids.Count == 2 ? ids : null;
        });

        using HttpClient http = h.Sim.CreateHttpClient();
        using HttpResponseMessage response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "apis/batch/v1/namespaces/default/jobs/del")
        {
            Content = JsonContent("""{"propagationPolicy": "Background"}"""),
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await h.WaitAsync("pods deleted", () => h.PodsOf("del").Count == 0 ? pids : null);
        await h.WaitAsync("processes gone", () => pids.Any(NativeSignals.IsAlive) ? null : pids);
    }

    [Fact]
    public async Task DeleteJob_DefaultOrphanPolicy_StillKillsItsPods()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("orphan", "sleep 60"));
        object pid = await h.WaitAsync("a process", () => h.PodsOf("orphan").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)).OfType<int>().Select(i => (object)i).FirstOrDefault());

        h.Store.Delete(h.Store.Type("batch", "jobs"), "default", "orphan", new DeleteOptions());

        await h.WaitAsync("process gone", () => NativeSignals.IsAlive((int)pid) ? null : pid);
        await h.WaitAsync("pod deleted", () => h.PodsOf("orphan").Count == 0 ? pid : null);
    }

    [Fact]
    public async Task Job_Suspend_NoPodsUntilResumedAndSuspendingKillsThem()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("sus", "sleep 60", new JsonObject { ["suspend"] = true }));
        JsonObject job = await h.WaitForJobConditionAsync("sus", "Suspended");
        Assert.Equal("JobSuspended", KubeletHarness.Condition(job, "Suspended"));
        Assert.Empty(h.PodsOf("sus"));

        ResourceType jobs = h.Store.Type("batch", "jobs");
        h.Store.Patch(jobs, "default", "sus", j =>
        {
            j["spec"]!["suspend"] = false;
            return j;
        });
        object pid = await h.WaitAsync("a process", () => h.PodsOf("sus").Select(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!)).OfType<int>().Select(i => (object)i).FirstOrDefault());
        Assert.Null(KubeletHarness.Condition(h.GetJob("sus"), "Suspended"));

        h.Store.Patch(jobs, "default", "sus", j =>
        {
            j["spec"]!["suspend"] = true;
            return j;
        });
        await h.WaitAsync("process gone", () => NativeSignals.IsAlive((int)pid) ? null : pid);
        await h.WaitAsync("pods gone, active 0", () => h.PodsOf("sus").Count == 0 && KubeletHarness.Count(h.GetJob("sus"), "active") == 0 ? pid : null);
        Assert.Null(KubeletHarness.Condition(h.GetJob("sus"), "Failed"));
    }

    [Fact]
    public async Task Pod_MissingSecret_PendingWithCreateContainerConfigErrorUntilItExists()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        JsonObject container = JsonNode.Parse("""{"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}}]}""")!.AsObject();
        h.CreateJob(KubeletHarness.Job("late", "echo $P", container: container));

        JsonObject pending = await h.WaitAsync("pending pod", () => h.PodsOf("late").FirstOrDefault(p => KubeletHarness.Phase(p) == "Pending"));
        Assert.Equal("CreateContainerConfigError", (string?)pending["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]);
        Assert.DoesNotContain("s3cr3t", pending.ToJsonString(), StringComparison.Ordinal);

        h.CreateYaml(Secret);
        await h.WaitForJobConditionAsync("late", "Complete");
        Assert.Equal("s3cr3t", h.Kubelet.ReadLog((string)h.PodsOf("late")[0]["metadata"]!["name"]!).Trim());
    }

    [Fact]
    public async Task DeletePod_ProcessIgnoringSigterm_IsKilledAfterTheGracePeriod()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("stubborn", "trap '' TERM; while true; do sleep 0.05; done", pod: new JsonObject { ["terminationGracePeriodSeconds"] = 1 }));
        JsonObject running = await h.WaitAsync("a process", () => h.PodsOf("stubborn").FirstOrDefault(p => h.Kubelet.GetProcessId((string)p["metadata"]!["name"]!) is not null));
        string name = (string)running["metadata"]!["name"]!;
        int pid = h.Kubelet.GetProcessId(name)!.Value;

        h.Store.Delete(h.Store.Type("", "pods"), "default", name, new DeleteOptions());

        await h.WaitAsync("process gone", () => NativeSignals.IsAlive(pid) ? null : (object)pid);
    }

    [Fact]
    public async Task DisposeSimulator_KillsEveryProcess()
    {
        KubeletHarness h = await KubeletHarness.StartAsync();
        List<int> pids;
        try
        {
            h.CreateJob(KubeletHarness.Job("left", "sleep 60", new JsonObject { ["parallelism"] = 2 }));
            pids = await h.WaitAsync("2 processes", () => h.Kubelet.ProcessIds.Count == 2 ? h.Kubelet.ProcessIds.ToList() : null);
        }
        finally
        {
            await h.DisposeAsync();
        }

        Assert.DoesNotContain(pids, NativeSignals.IsAlive);
    }

    [Fact]
    public async Task Pod_ImageWithoutCommand_RunsTheMappedExecutable()
    {
        var kubelet = new ProcessKubelet(new ProcessKubeletOptions { Images = { ["ghcr.io/ferry/ferry:*"] = "/bin/echo mapped" } });
        await using ClusterSimulator sim = await Ferry.ClusterSim.ClusterSimulator.StartAsync(new Ferry.ClusterSim.SimulatorOptions { Kubelet = kubelet });
        sim.Store.CreateFromYaml("""
            apiVersion: v1
            kind: Pod
            metadata: {name: mapped, namespace: default}
            spec:
              restartPolicy: Never
              containers: [{name: main, image: "ghcr.io/ferry/ferry:1.2.3", args: [worker, --id, "$(HOSTNAME)"]}]
            """);
        ResourceType pods = sim.Store.Type("", "pods");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while ((string?)sim.Store.Get(pods, "default", "mapped")["status"]?["phase"] != "Succeeded" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal("Succeeded", (string?)sim.Store.Get(pods, "default", "mapped")["status"]?["phase"]);
        Assert.Equal("mapped worker --id mapped", kubelet.ReadLog("mapped").Trim());
    }

    [Fact]
    public async Task Kubectl_ApplyJobWaitAndLogs_WorkAgainstTheKubelet()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        DirectoryInfo temp = Directory.CreateTempSubdirectory("kubelet-kubectl-");
        try
        {
            string kubeconfig = Path.Combine(temp.FullName, "kubeconfig");
            await h.Sim.WriteKubeconfigAsync(kubeconfig);
            string manifest = Path.Combine(temp.FullName, "job.yaml");
            await File.WriteAllTextAsync(manifest, """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: hello}
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: busybox, command: [/bin/sh, -c, "echo hello from $HOSTNAME"]}]
                """);
            string executable = Environment.GetEnvironmentVariable("FERRY_KUBECTL") is { Length: > 0 } configured ? configured : "kubectl";
            var kubectl = new Kubectl(executable, kubeconfig, Path.Combine(temp.FullName, "cache"));

            await kubectl.RunOkAsync("apply", "-f", manifest);
            await kubectl.RunOkAsync("wait", "--for=condition=complete", "job/hello", "--timeout=30s");
            string pod = (await kubectl.RunOkAsync("get", "pods", "-l", "job-name=hello", "-o", "jsonpath={.items[0].metadata.name}")).Stdout.Trim();
            Kubectl.Result logs = await kubectl.RunOkAsync("logs", pod);

            Assert.StartsWith("hello-", pod, StringComparison.Ordinal);
            Assert.Equal($"hello from {pod}", logs.Stdout.Trim());
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LogSubresource_Get_ReturnsTheContainerOutputAsText()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        h.CreateJob(KubeletHarness.Job("logged", "echo line1; echo line2 >&2"));
        await h.WaitForJobConditionAsync("logged", "Complete");
        string pod = (string)h.PodsOf("logged")[0]["metadata"]!["name"]!;
        using HttpClient http = h.Sim.CreateHttpClient();

        using HttpResponseMessage response = await http.GetAsync($"api/v1/namespaces/default/pods/{pod}/log");
        using HttpResponseMessage missing = await http.GetAsync("api/v1/namespaces/default/pods/nope/log");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("line1\nline2\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Watch_JobsAndPods_SeeStatusChangesUpToComplete()
    {
        await using KubeletHarness h = await KubeletHarness.StartAsync();
        using HttpClient http = h.Sim.CreateHttpClient();
        await using WatchStream jobs = await WatchStream.OpenAsync(http, "apis/batch/v1/namespaces/default/jobs?watch=true&timeoutSeconds=30");
        await using WatchStream pods = await WatchStream.OpenAsync(http, "api/v1/namespaces/default/pods?watch=true&timeoutSeconds=30");
        h.CreateJob(KubeletHarness.Job("watched", "exit 0"));

        var podPhases = new List<string>();
        while (podPhases.LastOrDefault() != "Succeeded")
        {
            JsonObject? e = await pods.NextAsync();
            Assert.NotNull(e);
            podPhases.Add((string?)e["object"]!["status"]?["phase"] ?? "(none)");
        }

        var jobEvents = new List<JsonObject>();
        while (jobEvents.Count == 0 || KubeletHarness.Condition(jobEvents[^1], "Complete") is null)
        {
            JsonObject? e = await jobs.NextAsync();
            Assert.NotNull(e);
            jobEvents.Add(e["object"]!.AsObject());
        }

        Assert.Equal("(none)", podPhases[0]); // ADDED as created, then the kubelet's status writes.
        Assert.Contains("Running", podPhases);
        Assert.Contains(jobEvents, j => KubeletHarness.Count(j, "active") == 1);
        Assert.Equal(1, KubeletHarness.Count(jobEvents[^1], "succeeded"));
    }

    private static int ProcessGroup(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
