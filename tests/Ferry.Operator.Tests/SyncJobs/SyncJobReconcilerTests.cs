using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Conditions;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using Ferry.Kube.Serialization;
using Ferry.Operator.SyncJobs;
using Ferry.Operator.Tests.Support;
using k8s;
using k8s.Models;

namespace Ferry.Operator.Tests.SyncJobs;

/// <summary>The SyncJob controller against the in-process cluster simulator; the test plays the workers (Leases) and
/// the Job controller (Job status), and asserts the state of the world.</summary>
public sealed class SyncJobReconcilerTests
{
    private const string SecretValue = "s3cr3t-VALUE-never-shown";

    private static V1Condition? Cond(SyncJob? s, string type) => s?.Status?.Conditions?.FindCondition(type);

    private static bool IsTrue(SyncJob? s, string type) => Cond(s, type)?.Status == ConditionStatus.True;

    private static async Task<(OperatorHarness H, SyncJob S)> StartValidAsync(string name, Action<SyncJob>? edit = null, Action<Ferry.Operator.Controllers.OperatorOptions>? configure = null)
    {
        var h = await OperatorHarness.StartAsync(configure);
        await h.CreateS3SecretAsync(secretKey: SecretValue);
        h.CreateClaim();
        var desired = OperatorHarness.S3ToVolume(name);
        edit?.Invoke(desired);
        var created = await h.CreateSyncJobAsync(desired);
        await Eventually.MatchAsync(() => h.GetJobAsync(name), j => j is not null, "the runner Job");
        return (h, created);
    }

    [Fact]
    public async Task Reconcile_ValidSpec_CreatesRunnerJobAndReportsPending()
    {
        var (h, created) = await StartValidAsync("copy");
        await using var _ = h;

        var job = (await h.GetJobAsync("copy"))!;
        Assert.Equal(3, job.Spec!.Parallelism);
        Assert.Null(job.Spec.Completions);
        Assert.Equal(6, job.Spec.BackoffLimit);
        var owner = Assert.Single(job.Metadata.OwnerReferences!);
        Assert.Equal((created.Metadata.Uid, "SyncJob", "ferry.io/v1alpha1", true), (owner.Uid, owner.Kind, owner.ApiVersion, owner.Controller == true));
        Assert.Equal(created.Metadata.Uid, job.Metadata.Labels![RunLabels.Run]);
        Assert.Equal("copy", job.Spec.Template.Metadata!.Labels![RunLabels.SyncJob]);
        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        var container = Assert.Single(pod.Containers);
        Assert.Equal(RunnerContract.ContainerName, container.Name);
        Assert.Equal("ghcr.io/ferry-io/ferry:test", container.Image);
        Assert.Equal(["worker", "--namespace", "default", "--syncjob", "copy", "--run", created.Metadata.Uid!, "--lease-duration", "15"], container.Args);
        var env = container.Env!.ToDictionary(e => e.Name);
        Assert.Equal(("s3-creds", "accessKeyId"), (env["FERRY_SOURCE_ACCESS_KEY_ID"].ValueFrom!.SecretKeyRef!.Name, env["FERRY_SOURCE_ACCESS_KEY_ID"].ValueFrom!.SecretKeyRef!.Key));
        Assert.Equal("secretAccessKey", env["FERRY_SOURCE_SECRET_ACCESS_KEY"].ValueFrom!.SecretKeyRef!.Key);
        Assert.True(env["FERRY_SOURCE_SESSION_TOKEN"].ValueFrom!.SecretKeyRef!.Optional);
        Assert.Equal("metadata.name", env["FERRY_POD_NAME"].ValueFrom!.FieldRef!.FieldPath);
        Assert.Equal("/data/destination", env["FERRY_DESTINATION_ROOT"].Value);
        var mount = Assert.Single(container.VolumeMounts!, m => m.MountPath == "/data/destination");
        Assert.Equal("data", Assert.Single(pod.Volumes!, v => v.Name == mount.Name).PersistentVolumeClaim!.ClaimName);
        Assert.True(pod.SecurityContext!.RunAsNonRoot);
        Assert.Equal(65532, pod.SecurityContext.RunAsUser);
        Assert.True(container.SecurityContext!.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities!.Drop);
        var jobJson = JsonSerializer.Serialize(job, KubeJson.TypeInfo<V1Job>());
        Assert.DoesNotContain(SecretValue, jobJson, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretValue)), jobJson, StringComparison.Ordinal);

        var status = await Eventually.MatchAsync(() => h.GetSyncJobAsync("copy"), s => s?.Status?.StartTime is not null && IsTrue(s, SyncJobConditionTypes.Progressing), "status with startTime");
        Assert.Equal(SyncJobPhase.Pending, status!.Status!.Phase);
        Assert.Equal(status.Metadata.Generation, status.Status.ObservedGeneration);
        Assert.Equal(SyncJobConditionReasons.Valid, Cond(status, SyncJobConditionTypes.SpecValid)!.Reason);
        Assert.Equal(ConditionStatus.True, Cond(status, SyncJobConditionTypes.SpecValid)!.Status);
        Assert.Equal(SyncJobConditionReasons.Pending, Cond(status, SyncJobConditionTypes.Progressing)!.Reason);
        Assert.Equal(3, status.Status.Workers!.Desired);
        Assert.Contains(await h.EventsAsync("copy"), e => e.Reason == "Started");
    }

    [Fact]
    public async Task Reconcile_SecretMissing_SpecInvalidWithoutJobUntilSecretAppears()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.CreateClaim();
        await h.CreateSyncJobAsync(OperatorHarness.S3ToVolume("nosecret"));

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("nosecret"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        var condition = Cond(invalid, SyncJobConditionTypes.SpecValid)!;
        Assert.Equal(SyncJobConditionReasons.SecretNotFound, condition.Reason);
        Assert.Contains("\"s3-creds\"", condition.Message, StringComparison.Ordinal);
        Assert.Equal(SyncJobPhase.Pending, invalid!.Status!.Phase);
        Assert.Null(invalid.Status.StartTime);
        Assert.Equal(condition.Message, invalid.Status.LastError);
        Assert.Null(await h.GetJobAsync("nosecret"));
        Assert.Contains(await h.EventsAsync("nosecret"), e => e.Reason == SyncJobConditionReasons.SecretNotFound && e.Type == "Warning");

        await h.CreateS3SecretAsync();
        await Eventually.MatchAsync(() => h.GetJobAsync("nosecret"), j => j is not null, "the runner Job once the Secret exists");
        var valid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("nosecret"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.True, "SpecValid=True");
        Assert.NotNull(valid!.Status!.StartTime);
        Assert.Null(valid.Status.LastError);
    }

    [Fact]
    public async Task Reconcile_SftpSecretWithoutKnownHosts_SecretNotFound()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.CreateClaim();
        await h.TestClient.CreateAsync(KubeResources.Secrets, OperatorHarness.Namespace, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "sftp-creds" },
            StringData = new Dictionary<string, string> { ["privateKey"] = SecretValue },
        });
        var syncJob = OperatorHarness.S3ToVolume("sftp");
        syncJob.Spec.Source = new Ferry.Api.Endpoints.Endpoint
        {
            Sftp = new Ferry.Api.Endpoints.SftpEndpoint { Host = "127.0.0.1", User = "u", CredentialsSecretRef = new Ferry.Api.Endpoints.SftpCredentialsSecretRef { Name = "sftp-creds" } },
        };
        await h.CreateSyncJobAsync(syncJob);

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("sftp"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        Assert.Equal(SyncJobConditionReasons.SecretNotFound, Cond(invalid, SyncJobConditionTypes.SpecValid)!.Reason);
        Assert.Contains("\"knownHosts\"", Cond(invalid, SyncJobConditionTypes.SpecValid)!.Message, StringComparison.Ordinal);
        Assert.Null(await h.GetJobAsync("sftp"));

        await h.TestClient.PatchAsync(KubeResources.Secrets, OperatorHarness.Namespace, "sftp-creds",
            new JsonObject { ["stringData"] = new JsonObject { ["knownHosts"] = "127.0.0.1 ssh-ed25519 AAAA" } });
        var job = await Eventually.MatchAsync(() => h.GetJobAsync("sftp"), j => j is not null, "the runner Job once knownHosts exists");
        var secretVolume = Assert.Single(job!.Spec!.Template.Spec.Volumes!, v => v.Secret is not null);
        Assert.Equal(["privateKey", "knownHosts"], secretVolume.Secret!.Items!.Select(i => i.Path));
    }

    [Fact]
    public async Task Reconcile_SecretKeyMissing_NamesTheKey()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.CreateClaim();
        await h.TestClient.CreateAsync(KubeResources.Secrets, OperatorHarness.Namespace, new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s3-creds" },
            StringData = new Dictionary<string, string> { ["accessKeyId"] = "AKIA", ["wrong"] = SecretValue },
        });
        await h.CreateSyncJobAsync(OperatorHarness.S3ToVolume("nokey"));

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("nokey"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        var condition = Cond(invalid, SyncJobConditionTypes.SpecValid)!;
        Assert.Equal(SyncJobConditionReasons.SecretNotFound, condition.Reason);
        Assert.Contains("\"secretAccessKey\"", condition.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, JsonSerializer.Serialize(invalid!, Ferry.Api.Serialization.ApiJsonContext.Default.SyncJob), StringComparison.Ordinal);
        Assert.Null(await h.GetJobAsync("nokey"));
    }

    [Fact]
    public async Task Reconcile_ClaimMissing_ClaimNotFound()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateS3SecretAsync();
        await h.CreateSyncJobAsync(OperatorHarness.S3ToVolume("noclaim"));

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("noclaim"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        Assert.Equal(SyncJobConditionReasons.ClaimNotFound, Cond(invalid, SyncJobConditionTypes.SpecValid)!.Reason);
        Assert.Contains("\"data\"", Cond(invalid, SyncJobConditionTypes.SpecValid)!.Message, StringComparison.Ordinal);
        Assert.Null(await h.GetJobAsync("noclaim"));

        h.CreateClaim();
        await Eventually.MatchAsync(() => h.GetJobAsync("noclaim"), j => j is not null, "the runner Job once the claim exists");
    }

    [Fact]
    public async Task Reconcile_FilesFromConfigMapMissing_ConfigMapNotFound()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateS3SecretAsync();
        h.CreateClaim();
        var syncJob = OperatorHarness.S3ToVolume("nolist");
        syncJob.Spec.FilesFrom = new V1ConfigMapKeySelector { Name = "keys", Key = "list" };
        await h.CreateSyncJobAsync(syncJob);

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("nolist"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        Assert.Equal(SyncJobConditionReasons.ConfigMapNotFound, Cond(invalid, SyncJobConditionTypes.SpecValid)!.Reason);
        Assert.Null(await h.GetJobAsync("nolist"));
    }

    [Fact]
    public async Task Reconcile_Leases_SumsProgressAndCountsTasks()
    {
        var (h, s) = await StartValidAsync("progress");
        await using var _ = h;
        var now = h.Clock.GetUtcNow();
        await h.PutScanLeaseAsync(s, "running", 3);
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 10, ScannedBytes = 1000, Copied = 7, CopiedBytes = 700, Skipped = 3 });
        var renewing = new TaskCounters { Scanned = 5, ScannedBytes = 500, Copied = 5, CopiedBytes = 500 };
        await h.PutTaskLeaseAsync(s, 1, TaskStates.Running, renewing, now);
        // Task 2's holder runs on a node whose clock is a minute behind: its renewTime alone never makes it expired.
        await h.PutTaskLeaseAsync(s, 2, TaskStates.Running, new TaskCounters { Scanned = 2, Copied = 1, Failed = 1 }, now - TimeSpan.FromSeconds(60));
        h.SetJobStatus("progress", new V1JobStatus { Active = 2 });

        var seen = await Eventually.MatchAsync(() => h.GetSyncJobAsync("progress"),
            x => x?.Status?.Progress?.Scanned == 17 && x.Status.Workers?.Active == 2, "summed progress");
        Assert.Equal((0L, 2L), (seen!.Status!.Tasks!.Pending!.Value, seen.Status.Tasks.Running!.Value));

        // A lease duration later on the operator's clock task 1 has been renewed and task 2 has not: task 2 has expired.
        h.Clock.Advance(TimeSpan.FromSeconds(16));
        await h.PutTaskLeaseAsync(s, 1, TaskStates.Running, renewing, h.Clock.GetUtcNow() - TimeSpan.FromSeconds(60));
        var scanning = await Eventually.MatchAsync(() => h.GetSyncJobAsync("progress"),
            x => x?.Status?.Tasks?.Pending == 1, "the unrenewed task counted as pending");
        var st = scanning!.Status!;
        Assert.Equal(SyncJobPhase.Scanning, st.Phase);
        Assert.Equal((3L, 1L, 1L, 1L, 0L), (st.Tasks!.Total!.Value, st.Tasks.Pending!.Value, st.Tasks.Running!.Value, st.Tasks.Done!.Value, st.Tasks.Failed!.Value));
        Assert.Equal((1500L, 13L, 1200L, 3L, 1L), (st.Progress!.ScannedBytes!.Value, st.Progress.Copied!.Value, st.Progress.CopiedBytes!.Value, st.Progress.Skipped!.Value, st.Progress.Failed!.Value));
        Assert.Equal(SyncJobConditionReasons.Scanning, Cond(scanning, SyncJobConditionTypes.Progressing)!.Reason);

        await h.PutScanLeaseAsync(s, "done", 3);
        var running = await Eventually.MatchAsync(() => h.GetSyncJobAsync("progress"), x => x?.Status?.Phase == SyncJobPhase.Running, "phase Running after the scan");
        Assert.Equal(SyncJobConditionReasons.Copying, Cond(running, SyncJobConditionTypes.Progressing)!.Reason);
    }

    [Fact]
    public async Task Reconcile_ManyLeaseUpdates_StatusWritesCoalescedPerInterval()
    {
        var (h, s) = await StartValidAsync("rate", configure: o => o.StatusWriteInterval = TimeSpan.FromSeconds(2));
        await using var _ = h;
        await h.PutScanLeaseAsync(s, "running", 1);
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("rate"), x => x?.Status?.Phase == SyncJobPhase.Scanning, "phase Scanning");

        var start = DateTimeOffset.UtcNow;
        for (var i = 1; i <= 30; i++)
        {
            await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = i, Copied = i });
            await Task.Delay(50);
        }

        var final = await Eventually.MatchAsync(() => h.GetSyncJobAsync("rate"), x => x?.Status?.Progress?.Copied == 30, "the last counters");
        var end = DateTimeOffset.UtcNow;
        var writes = h.Log.StatusWrites("rate").Where(t => t >= start && t <= end).OrderBy(t => t).ToList();
        Assert.NotEmpty(writes);
        Assert.True(writes.Count <= (int)((end - start).TotalSeconds / 2) + 1, $"{writes.Count} status writes in {(end - start).TotalSeconds:F1} s");
        for (var i = 1; i < writes.Count; i++)
        {
            Assert.True(writes[i] - writes[i - 1] >= TimeSpan.FromSeconds(1.5), $"writes {writes[i - 1]:O} and {writes[i]:O} are closer than the 2 s interval (less send jitter)");
        }

        Assert.Equal(30, final!.Status!.Progress!.Scanned);
        var requests = h.Log.NonWatchRequests(start, end);
        Assert.True(requests.Count <= writes.Count + 1, $"the operator made {requests.Count} requests for 30 Lease updates: {string.Join(", ", requests.Select(r => r.Method + " " + r.Path))}");
    }

    [Fact]
    public async Task Reconcile_SourceIsDestination_InvalidSpec()
    {
        await using var h = await OperatorHarness.StartAsync();
        h.CreateClaim();
        var syncJob = OperatorHarness.S3ToVolume("loop");
        syncJob.Spec.Source = new Ferry.Api.Endpoints.Endpoint { Volume = new Ferry.Api.Endpoints.VolumeEndpoint { ClaimName = "data", Path = "out/dir/" } };
        await h.CreateSyncJobAsync(syncJob);

        var invalid = await Eventually.MatchAsync(() => h.GetSyncJobAsync("loop"), s => Cond(s, SyncJobConditionTypes.SpecValid)?.Status == ConditionStatus.False, "SpecValid=False");
        Assert.Equal(SyncJobConditionReasons.InvalidSpec, Cond(invalid, SyncJobConditionTypes.SpecValid)!.Reason);
        Assert.Null(await h.GetJobAsync("loop"));
    }

    [Fact]
    public async Task Reconcile_OutcomeSucceededAndTasksDone_CompleteWithCounts()
    {
        var (h, s) = await StartValidAsync("done");
        await using var _ = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 4, Copied = 4, CopiedBytes = 40 });
        await h.PutTaskLeaseAsync(s, 1, TaskStates.Done, new TaskCounters { Scanned = 6, Copied = 5, CopiedBytes = 50, Skipped = 1 });
        await h.PutScanLeaseAsync(s, "done", 2, RunOutcomes.Succeeded);

        var done = await Eventually.MatchAsync(() => h.GetSyncJobAsync("done"), x => IsTrue(x, SyncJobConditionTypes.Complete), "Complete");
        var st = done!.Status!;
        Assert.Equal(SyncJobPhase.Succeeded, st.Phase);
        Assert.NotNull(st.CompletionTime);
        Assert.Equal((10L, 9L, 90L, 1L), (st.Progress!.Scanned!.Value, st.Progress.Copied!.Value, st.Progress.CopiedBytes!.Value, st.Progress.Skipped!.Value));
        Assert.Equal((2L, 2L), (st.Tasks!.Total!.Value, st.Tasks.Done!.Value));
        Assert.Equal(SyncJobConditionReasons.Succeeded, Cond(done, SyncJobConditionTypes.Complete)!.Reason);
        Assert.Equal(ConditionStatus.False, Cond(done, SyncJobConditionTypes.Progressing)!.Status);
        Assert.False(IsTrue(done, SyncJobConditionTypes.Failed));
        Assert.Contains(await h.EventsAsync("done"), e => e.Reason == "Completed");
        Assert.NotNull(await h.GetJobAsync("done"));
    }

    [Fact]
    public async Task Reconcile_OutcomeSucceededWithTaskRunning_NotComplete()
    {
        var (h, s) = await StartValidAsync("notyet");
        await using var _ = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = 1 });
        await h.PutScanLeaseAsync(s, "done", 1, RunOutcomes.Succeeded);
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("notyet"), x => x?.Status?.Phase == SyncJobPhase.Running, "phase Running");
        await Task.Delay(500);
        Assert.False(IsTrue(await h.GetSyncJobAsync("notyet"), SyncJobConditionTypes.Complete));

        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 1, Copied = 1 });
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("notyet"), x => IsTrue(x, SyncJobConditionTypes.Complete), "Complete once the task is done");
    }

    [Fact]
    public async Task Reconcile_TaskFailed_FailedAndRunnersStopped()
    {
        var (h, s) = await StartValidAsync("taskfail");
        await using var _ = h;
        await h.PutScanLeaseAsync(s, "running", 2);
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 1, Copied = 1 });
        await h.PutTaskLeaseAsync(s, 1, TaskStates.Failed, new TaskCounters { Scanned = 1, Failed = 1 }, lastError: "destination refused writes");

        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("taskfail"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed");
        Assert.Equal(SyncJobPhase.Failed, failed!.Status!.Phase);
        Assert.Equal(SyncJobConditionReasons.ObjectsFailed, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
        Assert.Contains("destination refused writes", failed.Status.LastError, StringComparison.Ordinal);
        Assert.NotNull(failed.Status.CompletionTime);
        await Eventually.MatchAsync(() => h.GetJobAsync("taskfail"), j => j is null, "the runner Job deleted");
        Assert.Contains(await h.EventsAsync("taskfail"), e => e.Reason == "Failed" && e.Type == "Warning");
    }

    [Fact]
    public async Task Reconcile_FailuresReachMaxFailures_MaxFailuresReached()
    {
        var (h, s) = await StartValidAsync("maxfail", x => x.Spec.MaxFailures = 5);
        await using var _ = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = 10, Failed = 4 });
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("maxfail"), x => x?.Status?.Progress?.Failed == 4, "4 failures counted");
        Assert.False(IsTrue(await h.GetSyncJobAsync("maxfail"), SyncJobConditionTypes.Failed));

        await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = 10, Failed = 5 });
        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("maxfail"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed");
        Assert.Equal(SyncJobConditionReasons.MaxFailuresReached, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
    }

    [Fact]
    public async Task Reconcile_OutcomeFailed_ReasonFromScanLease()
    {
        var (h, s) = await StartValidAsync("maxdel");
        await using var _ = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 3, Skipped = 3, DeleteCandidates = 90 });
        await h.PutScanLeaseAsync(s, "done", 1, RunOutcomes.Failed, SyncJobConditionReasons.MaxDeleteExceeded, "would delete 90 keys; maxDelete is 10");

        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("maxdel"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed");
        Assert.Equal(SyncJobConditionReasons.MaxDeleteExceeded, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
        Assert.Equal("would delete 90 keys; maxDelete is 10", failed!.Status!.LastError);
    }

    [Fact]
    public async Task Reconcile_ActiveDeadlinePassed_DeadlineExceeded()
    {
        var (h, _) = await StartValidAsync("deadline", x => x.Spec.ActiveDeadlineSeconds = 600);
        await using var _h = h;
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("deadline"), x => x?.Status?.StartTime is not null, "startTime");
        Assert.Equal(600, (await h.GetJobAsync("deadline"))!.Spec!.ActiveDeadlineSeconds);
        await Task.Delay(400);
        Assert.False(IsTrue(await h.GetSyncJobAsync("deadline"), SyncJobConditionTypes.Failed));

        h.Clock.Advance(TimeSpan.FromSeconds(601));
        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("deadline"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed by the deadline");
        Assert.Equal(SyncJobConditionReasons.DeadlineExceeded, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
        await Eventually.MatchAsync(() => h.GetJobAsync("deadline"), j => j is null, "the runner Job deleted");
    }

    [Fact]
    public async Task Reconcile_JobBackoffLimitExceeded_Failed()
    {
        var (h, _) = await StartValidAsync("backoff");
        await using var _h = h;
        h.SetJobStatus("backoff", new V1JobStatus
        {
            Failed = 7,
            Conditions = [new V1JobCondition { Type = "Failed", Status = "True", Reason = "BackoffLimitExceeded", Message = "Job has reached the specified backoff limit" }],
        });

        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("backoff"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed");
        Assert.Equal(SyncJobConditionReasons.BackoffLimitExceeded, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
        Assert.NotNull(await h.GetJobAsync("backoff"));
    }

    [Fact]
    public async Task Reconcile_JobCompleteWithoutOutcome_FailedRunnersExitedAfterGrace()
    {
        var (h, s) = await StartValidAsync("exited");
        await using var _h = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = 2, Copied = 2 });
        h.SetJobStatus("exited", new V1JobStatus
        {
            Succeeded = 1,
            Conditions = [new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = h.Clock.GetUtcNow().UtcDateTime }],
        });

        // Within the grace the outcome may still be on its way: no verdict yet.
        await Task.Delay(400);
        Assert.False(IsTrue(await h.GetSyncJobAsync("exited"), SyncJobConditionTypes.Failed));

        h.Clock.Advance(TimeSpan.FromSeconds((2 * h.Options.LeaseDurationSeconds) + 1));
        var failed = await Eventually.MatchAsync(() => h.GetSyncJobAsync("exited"), x => IsTrue(x, SyncJobConditionTypes.Failed), "Failed");
        Assert.Equal(SyncJobConditionReasons.RunnersExited, Cond(failed, SyncJobConditionTypes.Failed)!.Reason);
        Assert.Equal(SyncJobPhase.Failed, failed!.Status!.Phase);
    }

    [Fact]
    public async Task Reconcile_SuspendAndResume_JobSuspendedAndConditionsFollow()
    {
        await using var h = await OperatorHarness.StartAsync();
        await h.CreateS3SecretAsync();
        h.CreateClaim();
        var syncJob = OperatorHarness.S3ToVolume("pause");
        syncJob.Spec.Suspend = true;
        await h.CreateSyncJobAsync(syncJob);

        var held = await Eventually.MatchAsync(() => h.GetSyncJobAsync("pause"), x => IsTrue(x, SyncJobConditionTypes.Suspended), "Suspended before start");
        Assert.Null(held!.Status!.StartTime);
        Assert.Null(await h.GetJobAsync("pause"));

        await h.PatchSpecAsync("pause", new JsonObject { ["suspend"] = false });
        var job = await Eventually.MatchAsync(() => h.GetJobAsync("pause"), j => j is not null, "the runner Job after resume");
        Assert.NotEqual(true, job!.Spec!.Suspend);
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("pause"), x => Cond(x, SyncJobConditionTypes.Suspended)?.Reason == SyncJobConditionReasons.Resumed, "Suspended=False Resumed");

        await h.PatchSpecAsync("pause", new JsonObject { ["suspend"] = true });
        await Eventually.MatchAsync(() => h.GetJobAsync("pause"), j => j?.Spec?.Suspend == true, "the Job suspended");
        var suspended = await Eventually.MatchAsync(() => h.GetSyncJobAsync("pause"), x => IsTrue(x, SyncJobConditionTypes.Suspended), "Suspended=True");
        Assert.Equal(0, suspended!.Status!.Workers!.Desired);
        Assert.Equal(ConditionStatus.False, Cond(suspended, SyncJobConditionTypes.Progressing)!.Status);

        await h.PatchSpecAsync("pause", new JsonObject { ["suspend"] = false, ["workers"] = 5 });
        await Eventually.MatchAsync(() => h.GetJobAsync("pause"), j => j?.Spec?.Suspend == false && j.Spec.Parallelism == 5, "the Job resumed with 5 workers");
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("pause"), x => Cond(x, SyncJobConditionTypes.Suspended)?.Status == ConditionStatus.False && x!.Status!.Workers!.Desired == 5, "resumed");
        var events = await h.EventsAsync("pause");
        Assert.Contains(events, e => e.Reason == "Suspended");
        Assert.Contains(events, e => e.Reason == SyncJobConditionReasons.Resumed);
    }

    [Fact]
    public async Task Reconcile_TtlAfterFinished_DeletesSyncJob()
    {
        var (h, s) = await StartValidAsync("ttl", x => x.Spec.TtlSecondsAfterFinished = 3600);
        await using var _ = h;
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 1, Copied = 1 });
        await h.PutScanLeaseAsync(s, "done", 1, RunOutcomes.Succeeded);
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("ttl"), x => IsTrue(x, SyncJobConditionTypes.Complete), "Complete");
        await Task.Delay(400);
        Assert.NotNull(await h.GetSyncJobAsync("ttl"));

        h.Clock.Advance(TimeSpan.FromSeconds(3601));
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("ttl"), x => x is null, "the SyncJob deleted after its TTL");
        await Eventually.MatchAsync(() => h.GetJobAsync("ttl"), j => j is null, "the runner Job collected");
    }

    [Fact]
    public async Task Reconcile_DeletedMidRun_JobAndLeasesCollectedAndNoFurtherWrites()
    {
        var (h, s) = await StartValidAsync("gone");
        await using var _ = h;
        await h.PutScanLeaseAsync(s, "running", 1);
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Running, new TaskCounters { Scanned = 1 });
        await Eventually.MatchAsync(() => h.GetSyncJobAsync("gone"), x => x?.Status?.Phase == SyncJobPhase.Scanning, "phase Scanning");

        await h.TestClient.DeleteAsync(Ferry.Api.ApiResources.SyncJobs, OperatorHarness.Namespace, "gone");
        await Eventually.MatchAsync(() => h.GetJobAsync("gone"), j => j is null, "the runner Job collected");
        var leases = await h.TestClient.ListAllAsync(KubeResources.Leases, OperatorHarness.Namespace, $"{RunLabels.Run}={s.Metadata.Uid}");
        Assert.Empty(leases.Items);
        var writesAfter = h.Log.Requests.Count(r => r.Method is "POST" or "PUT" or "PATCH" && !r.Path.Contains("/events", StringComparison.Ordinal));
        await Task.Delay(800);
        Assert.Equal(writesAfter, h.Log.Requests.Count(r => r.Method is "POST" or "PUT" or "PATCH" && !r.Path.Contains("/events", StringComparison.Ordinal)));
        Assert.Null(await h.GetJobAsync("gone"));
    }

    [Fact]
    public async Task Reconcile_OperatorRestartedMidRun_StatusContinuesAndCompletes()
    {
        var (h, s) = await StartValidAsync("restart");
        await using var _ = h;
        await h.PutScanLeaseAsync(s, "running", 2);
        await h.PutTaskLeaseAsync(s, 0, TaskStates.Done, new TaskCounters { Scanned = 4, Copied = 4 });
        var before = await Eventually.MatchAsync(() => h.GetSyncJobAsync("restart"), x => x?.Status?.Progress?.Copied == 4, "progress before the restart");
        var startTime = before!.Status!.StartTime;
        var jobUid = (await h.GetJobAsync("restart"))!.Metadata.Uid;

        await h.RestartAsync();
        await h.PutTaskLeaseAsync(s, 1, TaskStates.Done, new TaskCounters { Scanned = 6, Copied = 5, Skipped = 1 });
        await h.PutScanLeaseAsync(s, "done", 2, RunOutcomes.Succeeded);

        var done = await Eventually.MatchAsync(() => h.GetSyncJobAsync("restart"), x => IsTrue(x, SyncJobConditionTypes.Complete), "Complete after the restart");
        Assert.Equal((10L, 9L, 1L), (done!.Status!.Progress!.Scanned!.Value, done.Status.Progress.Copied!.Value, done.Status.Progress.Skipped!.Value));
        Assert.Equal(startTime, done.Status.StartTime);
        Assert.Equal(jobUid, (await h.GetJobAsync("restart"))!.Metadata.Uid);
    }

    [Fact]
    public async Task Reconcile_ConflictsAndDroppedWatches_StillCompleteWithExactCounts()
    {
        var (h, s) = await StartValidAsync("faults");
        await using var _ = h;
        h.Sim.Faults.ConflictRates["syncjobs"] = 0.5;
        await h.PutScanLeaseAsync(s, "running", 5);
        for (var i = 0; i < 5; i++)
        {
            await h.PutTaskLeaseAsync(s, i, TaskStates.Running, new TaskCounters { Scanned = i });
            h.Sim.DropWatches();
            await h.PutTaskLeaseAsync(s, i, TaskStates.Done, new TaskCounters { Scanned = 10, Copied = 10, CopiedBytes = 100 });
        }

        await h.PutScanLeaseAsync(s, "done", 5, RunOutcomes.Succeeded);
        h.Sim.DropWatches();

        var done = await Eventually.MatchAsync(() => h.GetSyncJobAsync("faults"), x => IsTrue(x, SyncJobConditionTypes.Complete), "Complete despite faults", TimeSpan.FromSeconds(30));
        Assert.Equal((50L, 50L, 500L, 5L), (done!.Status!.Progress!.Scanned!.Value, done.Status.Progress.Copied!.Value, done.Status.Progress.CopiedBytes!.Value, done.Status.Tasks!.Done!.Value));
        Assert.Single(await h.EventsAsync("faults"), e => e.Reason == "Completed");
        Assert.Matches(@"ferry_operator_reconcile_errors_total\{controller=""syncjob""\} [1-9]", h.MetricsText());
    }

    [Fact]
    public async Task Reconcile_RunnerSpecChanged_JobRecreatedWithNewTemplate()
    {
        var (h, s) = await StartValidAsync("rerun");
        await using var _ = h;
        var old = (await h.GetJobAsync("rerun"))!;
        var startTime = (await Eventually.MatchAsync(() => h.GetSyncJobAsync("rerun"), x => x?.Status?.StartTime is not null, "startTime"))!.Status!.StartTime;

        await h.PatchSpecAsync("rerun", new JsonObject { ["runner"] = new JsonObject { ["image"] = "ghcr.io/ferry-io/ferry:v2", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "4Gi" } } } });

        var job = await Eventually.MatchAsync(() => h.GetJobAsync("rerun"), j => j is not null && j.Metadata.Uid != old.Metadata.Uid, "a new runner Job");
        var container = job!.Spec!.Template.Spec.Containers[0];
        Assert.Equal("ghcr.io/ferry-io/ferry:v2", container.Image);
        Assert.Equal("4Gi", container.Resources!.Limits!["memory"]);
        var status = (await h.GetSyncJobAsync("rerun"))!.Status!;
        Assert.Equal(startTime, status.StartTime);
        Assert.Contains(await h.EventsAsync("rerun"), e => e.Reason == "RunnerSpecChanged");
        await Task.Delay(500);
        Assert.Equal(job.Metadata.Uid, (await h.GetJobAsync("rerun"))!.Metadata.Uid);
    }
}
