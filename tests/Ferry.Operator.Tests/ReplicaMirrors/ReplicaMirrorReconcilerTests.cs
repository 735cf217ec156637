using System.Text.Json.Nodes;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.SyncJobs;
using Ferry.Kube.Client;
using k8s;
using k8s.Models;
using Ferry.Operator.Tests.Support;

namespace Ferry.Operator.Tests.ReplicaMirrors;

/// <summary>The ReplicaMirror controller against the in-process cluster simulator on a fake clock: the test plays the
/// SyncJob controller (children's status) and asserts the state of the world — children, status, Events, metrics and
/// the controller's own requests.</summary>
public sealed class ReplicaMirrorReconcilerTests
{
    private static async Task<IReadOnlyList<SyncJob>> ChildrenCountAsync(MirrorHarness h, string mirror, int count) =>
        await Eventually.MatchAsync(() => h.ChildrenAsync(mirror), c => c.Count == count, $"{count} children of {mirror}");

    [Fact]
    public async Task Interval_CreatesOwnedChildrenRecordsResultsAndStartsTheNextSlot()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        ReplicaMirror created = await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("assets"));

        IReadOnlyList<SyncJob> children = await ChildrenCountAsync(h, "assets", 2);
        string slot = MirrorChildren.FormatTime(created.Metadata.CreationTimestamp!.Value);
        foreach (SyncJob child in children)
        {
            V1OwnerReference owner = Assert.Single(child.Metadata.OwnerReferences!);
            Assert.Equal((created.Metadata.Uid, true), (owner.Uid, owner.Controller == true));
            Assert.Equal(slot, child.Metadata.Annotations![MirrorLabels.ScheduledTime]);
            Assert.True(child.Spec.DeleteDst);
            Assert.True(child.Spec.Update);
            Assert.Equal("50%", child.Spec.MaxDelete!.ToString());
        }

        ReplicaMirror? running = await Eventually.MatchAsync(() => h.GetMirrorAsync("assets"), m => m?.Status?.Destinations?.All(d => d.Active is not null) == true, "active children in the status");
        Assert.Equal(ConditionStatus.True, MirrorHarness.Cond(running, ReplicaMirrorConditionTypes.Ready)!.Status);
        Assert.Equal((ConditionStatus.False, ReplicaMirrorConditionReasons.FirstSyncPending),
            (MirrorHarness.Cond(running, ReplicaMirrorConditionTypes.InSync)!.Status, MirrorHarness.Cond(running, ReplicaMirrorConditionTypes.InSync)!.Reason));
        Assert.Equal(running!.Metadata.Generation, running.Status!.ObservedGeneration);
        Assert.Equal(created.Metadata.CreationTimestamp!.Value.AddMinutes(15), running.Status.NextSyncTime);

        h.Advance(TimeSpan.FromMinutes(1));
        h.FinishChild(children[0].Metadata.Name!, succeeded: true);
        h.FinishChild(children[1].Metadata.Name!, succeeded: true);
        ReplicaMirror? synced = await Eventually.MatchAsync(() => h.GetMirrorAsync("assets"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.InSync)?.Status == ConditionStatus.True, "InSync");
        Assert.Equal(MirrorSyncResult.Succeeded, synced!.Status!.LastSyncResult);
        Assert.All(synced.Status.Destinations!, d =>
        {
            Assert.Null(d.Active);
            Assert.Equal((1L, 7L, 7000L), (d.Totals!.SucceededRuns, d.LastResult!.Copied, d.LastResult.CopiedBytes));
        });
        IReadOnlyList<Corev1Event> events = await h.EventsAsync("assets");
        Assert.Equal(2, events.Count(e => e.Reason == "RunStarted"));
        Assert.Equal(2, events.Count(e => e.Reason == "RunSucceeded"));

        h.Advance(TimeSpan.FromMinutes(14));
        IReadOnlyList<SyncJob> next = await ChildrenCountAsync(h, "assets", 4);
        Assert.Equal(2, next.Count(c => c.Metadata.Annotations![MirrorLabels.ScheduledTime] == MirrorChildren.FormatTime(created.Metadata.CreationTimestamp!.Value.AddMinutes(15))));

        string metrics = h.MetricsText();
        Assert.Contains("ferry_mirror_runs_total{destination=\"eu\",mirror=\"assets\",namespace=\"default\",result=\"succeeded\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_in_sync{destination=\"ap\",mirror=\"assets\",namespace=\"default\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_copied_bytes_total{destination=\"eu\",mirror=\"assets\",namespace=\"default\"} 7000", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE ferry_mirror_runs_total counter", metrics, StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_data_age_seconds{destination=\"eu\",mirror=\"assets\",namespace=\"default\"} ", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingSecret_ReadyFalseNoChildThenRunsOnceTheSecretExists()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        h.CreateClaim("eu-data");
        h.CreateClaim("ap-data");
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("nosecret"));

        ReplicaMirror? invalid = await Eventually.MatchAsync(() => h.GetMirrorAsync("nosecret"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Ready)?.Status == ConditionStatus.False, "Ready=False");
        V1Condition ready = MirrorHarness.Cond(invalid, ReplicaMirrorConditionTypes.Ready)!;
        Assert.Equal(SyncJobConditionReasons.SecretNotFound, ready.Reason);
        Assert.Contains("\"s3-creds\" (spec.source.s3.credentialsSecretRef)", ready.Message, StringComparison.Ordinal);
        Assert.Empty(await h.ChildrenAsync("nosecret"));
        Assert.Contains(await h.EventsAsync("nosecret"), e => e.Reason == SyncJobConditionReasons.SecretNotFound && e.Type == "Warning");
        int writes = h.MirrorStatusWrites("nosecret").Count;

        // No tight loop: until the recheck interval passes on the clock, the controller sends nothing.
        int NonWatch() => h.Log.Requests.Count(r => !r.Path.Contains("watch=true", StringComparison.Ordinal));
        int requests = NonWatch();
        await Task.Delay(500);
        Assert.Equal(requests, NonWatch());

        await h.CreateS3SecretAsync();
        h.Advance(h.Options.SpecRecheckInterval);
        await ChildrenCountAsync(h, "nosecret", 2);
        ReplicaMirror? valid = await Eventually.MatchAsync(() => h.GetMirrorAsync("nosecret"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Ready)?.Status == ConditionStatus.True, "Ready=True");
        Assert.All(valid!.Status!.Destinations!, d => Assert.Null(d.LastError));
        Assert.True(h.MirrorStatusWrites("nosecret").Count > writes);
    }

    [Fact]
    public async Task OneDestinationsSecretMissing_OnlyThatDestinationWaits()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("half", s => s.Destinations[1].Volume!.ClaimName = "missing-claim"));

        IReadOnlyList<SyncJob> children = await ChildrenCountAsync(h, "half", 1);
        Assert.Equal("eu", children[0].Metadata.Labels![MirrorLabels.Destination]);
        ReplicaMirror? mirror = await Eventually.MatchAsync(() => h.GetMirrorAsync("half"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Ready)?.Status == ConditionStatus.False, "Ready=False");
        Assert.Equal(SyncJobConditionReasons.ClaimNotFound, MirrorHarness.Cond(mirror, ReplicaMirrorConditionTypes.Ready)!.Reason);
        Assert.Contains("missing-claim", mirror!.Status!.Destinations!.Single(d => d.Name == "ap").LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusWrites_ProgressCoalescedToOnePerInterval_RunStartAndEndWrittenAtOnce()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("coalesce", s => s.Destinations.RemoveAt(1)));
        string child = (await ChildrenCountAsync(h, "coalesce", 1))[0].Metadata.Name!;
        await Eventually.MatchAsync(() => h.GetMirrorAsync("coalesce"), m => m?.Status?.Destinations?[0].Active == child, "the run in the status");
        int afterStart = h.MirrorStatusWrites("coalesce").Count;

        foreach (SyncJobPhase phase in new[] { SyncJobPhase.Scanning, SyncJobPhase.Running })
        {
            h.SetChildStatus(child, new SyncJobStatus { Phase = phase, StartTime = h.Time.GetUtcNow() });
            await Task.Delay(400);
        }

        // Two phase changes within the interval: at most one write, and the phase shown after it is the latest.
        Assert.True(h.MirrorStatusWrites("coalesce").Count <= afterStart + 1, $"{h.MirrorStatusWrites("coalesce").Count - afterStart} writes");
        h.Advance(TimeSpan.FromSeconds(2));
        await Eventually.MatchAsync(() => h.GetMirrorAsync("coalesce"), m => m?.Status?.Destinations?[0].Phase == SyncJobPhase.Running, "phase Running");
        Assert.True(h.MirrorStatusWrites("coalesce").Count <= afterStart + 2);
        int beforeEnd = h.MirrorStatusWrites("coalesce").Count;

        h.FinishChild(child, succeeded: true);
        await Eventually.MatchAsync(() => h.GetMirrorAsync("coalesce"), m => m?.Status?.Destinations?[0].LastResult is not null, "the result, without advancing the clock");
        Assert.Equal(beforeEnd + 1, h.MirrorStatusWrites("coalesce").Count);
    }

    [Fact]
    public async Task OperatorRestart_NoDuplicateChildAndTheRunIsRecorded()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("restart"));
        IReadOnlyList<SyncJob> children = await ChildrenCountAsync(h, "restart", 2);

        await h.RestartAsync();
        await Task.Delay(500);
        Assert.Equal(children.Select(c => c.Metadata.Uid), (await h.ChildrenAsync("restart")).Select(c => c.Metadata.Uid));

        string Of(string destination) => children.Single(c => c.Metadata.Labels![MirrorLabels.Destination] == destination).Metadata.Name!;
        h.FinishChild(Of("eu"), succeeded: true);
        h.FinishChild(Of("ap"), succeeded: false, error: "AccessDenied: signature mismatch");
        ReplicaMirror? mirror = await Eventually.MatchAsync(() => h.GetMirrorAsync("restart"), m => m?.Status?.LastSyncResult == MirrorSyncResult.PartiallyFailed, "PartiallyFailed");
        Assert.Equal(ConditionStatus.True, MirrorHarness.Cond(mirror, ReplicaMirrorConditionTypes.Degraded)!.Status);
        Assert.Equal(2, (await h.ChildrenAsync("restart")).Count);
        string metrics = h.MetricsText();
        Assert.True(metrics.Contains("ferry_mirror_runs_total{destination=\"ap\",mirror=\"restart\",namespace=\"default\",result=\"failed\"} 1", StringComparison.Ordinal), metrics);
        Assert.Contains("ferry_mirror_consecutive_failures{destination=\"ap\",mirror=\"restart\",namespace=\"default\"} 1", h.MetricsText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChildRefusedByTheApiServer_DestinationNotReadyWithTheServersMessage_NoRetryLoop()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        // A SyncJob schema stricter than the mirror's (e.g. a newer CRD): children with more than 8 threads are refused.
        h.Sim.Store.Patch(h.Sim.Store.Type("apiextensions.k8s.io", "customresourcedefinitions"), null, "syncjobs.ferry.io", crd =>
        {
            JsonObject spec = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!.AsObject();
            JsonArray rules = spec["x-kubernetes-validations"] as JsonArray ?? [];
            rules.Add(new JsonObject { ["rule"] = "!has(self.threads) || self.threads <= 8", ["message"] = "threads above 8 are not allowed here" });
            spec["x-kubernetes-validations"] = rules;
            return crd;
        });
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("strict", s => s.Threads = 32));

        ReplicaMirror? refused = await Eventually.MatchAsync(() => h.GetMirrorAsync("strict"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Ready)?.Status == ConditionStatus.False, "Ready=False");
        Assert.Contains("threads above 8 are not allowed here", MirrorHarness.Cond(refused, ReplicaMirrorConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        Assert.All(refused!.Status!.Destinations!, d => Assert.Contains("the API server refused the child SyncJob", d.LastError, StringComparison.Ordinal));
        Assert.Empty(await h.ChildrenAsync("strict"));
        int Creates() => h.Log.Requests.Count(r => r.Method == "POST" && r.Path.Split('?')[0].EndsWith("/syncjobs", StringComparison.Ordinal));
        int creates = Creates();
        await Task.Delay(500);
        Assert.Equal(creates, Creates());

        // Fixed in the spec (a new generation): the children are created at once.
        await h.PatchMirrorSpecAsync("strict", new JsonObject { ["threads"] = 8 });
        await ChildrenCountAsync(h, "strict", 2);
    }

    [Fact]
    public async Task ManualTrigger_OnAScheduleThatWouldNotFire_StartsEveryDestinationAndEchoes()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        await h.CreateMirrorAsync(MirrorHarness.S3ToVolumes("manual", s => { s.Interval = null; s.Schedule = "0 0 1 1 *"; }));
        await Eventually.MatchAsync(() => h.GetMirrorAsync("manual"), m => m?.Status?.NextSyncTime is not null, "the first status");
        Assert.Empty(await h.ChildrenAsync("manual"));

        await h.PatchMirrorSpecAsync("manual", new JsonObject { ["manualTrigger"] = "release-7" });

        IReadOnlyList<SyncJob> children = await ChildrenCountAsync(h, "manual", 2);
        Assert.All(children, c => Assert.Equal("release-7", c.Metadata.Annotations![MirrorLabels.ManualTrigger]));
        await Eventually.MatchAsync(() => h.GetMirrorAsync("manual"), m => m?.Status?.LastManualTrigger == "release-7", "lastManualTrigger");
    }

    private static ReplicaMirror Continuous(string name) => MirrorHarness.S3ToVolumes(name, s =>
    {
        s.Source = new Ferry.Api.Endpoints.Endpoint { Volume = new Ferry.Api.Endpoints.VolumeEndpoint { ClaimName = "inbox" } };
        s.Destinations[1] = new MirrorDestination
        {
            Name = "ap",
            S3 = new Ferry.Api.Endpoints.S3Endpoint { Bucket = "standby", Endpoint = "http://127.0.0.1:7480", CredentialsSecretRef = new Ferry.Api.Endpoints.S3CredentialsSecretRef { Name = "s3-creds" } },
        };
        s.Interval = null;
        s.Continuous = new ContinuousSpec { Delay = "15s", FullSyncInterval = "0s" };
    });

    /// <summary>Writes the watcher's Lease as <c>ferry watch-mirror</c> does, renewed now.</summary>
    private static async Task ReportAsync(MirrorHarness h, ReplicaMirror mirror, Action<WatcherState> change)
    {
        string name = WatcherContract.LeaseName(mirror.Metadata.Name!);
        V1Lease? lease = await h.TestClient.TryGetAsync(KubeResources.Leases, MirrorHarness.Namespace, name);
        var state = WatcherState.Parse(lease?.Metadata.Annotations?.AsReadOnly());
        change(state);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        state.WriteTo(annotations);
        if (lease is null)
        {
            await h.TestClient.CreateAsync(KubeResources.Leases, MirrorHarness.Namespace, new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    NamespaceProperty = MirrorHarness.Namespace,
                    Labels = WatcherContract.Labels(mirror),
                    Annotations = annotations,
                    OwnerReferences = [Ferry.Kube.Runtime.OwnerReferences.ControllerOf(mirror)],
                },
                Spec = new V1LeaseSpec { HolderIdentity = "watcher", LeaseDurationSeconds = WatcherContract.LeaseDurationSeconds, RenewTime = h.Time.GetUtcNow().UtcDateTime },
            });
            return;
        }

        lease.Metadata.Annotations = annotations;
        lease.Spec.RenewTime = h.Time.GetUtcNow().UtcDateTime;
        await h.TestClient.ReplaceAsync(KubeResources.Leases, MirrorHarness.Namespace, name, lease);
    }

    private static Task<V1Pod> WatcherPodAsync(MirrorHarness h, string name) =>
        Eventually.MatchAsync(() => h.TestClient.TryGetAsync(KubeResources.Pods, MirrorHarness.Namespace, name), p => p is not null, $"the watcher pod {name}")!;

    [Fact]
    public async Task Continuous_WatcherPodFromTheSpec_FullSyncsItsLeaseAsksFor_StatusConditionsAndMetricsFromTheLease()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        await h.PrepareAsync();
        h.CreateClaim("inbox");
        ReplicaMirror mirror = await h.CreateMirrorAsync(Continuous("live"));

        V1Pod pod = await WatcherPodAsync(h, "live-watcher-0");
        Assert.Equal((mirror.Metadata.Uid, true), (pod.Metadata.OwnerReferences!.Single().Uid, pod.Metadata.OwnerReferences!.Single().Controller == true));
        Assert.Equal(["watch-mirror", "--namespace", MirrorHarness.Namespace, "--mirror", "live"], pod.Spec.Containers[0].Args);
        Assert.Equal("eu,ap", pod.GetAnnotation(WatcherContract.DestinationsAnnotation));
        Assert.True(pod.Spec.Volumes!.Single(v => v.Name == "source").PersistentVolumeClaim!.ReadOnlyProperty);
        V1EnvVar key = pod.Spec.Containers[0].Env!.Single(e => e.Name == "FERRY_DESTINATION_1_SECRET_ACCESS_KEY");
        Assert.Equal(("s3-creds", null), (key.ValueFrom!.SecretKeyRef!.Name, key.Value));
        Assert.DoesNotContain(pod.Spec.Containers[0].Env!, e => e.Value == "never-shown-secret");
        Assert.Empty(await h.ChildrenAsync("live"));

        // The watcher asks for its first full sync: one child per destination, trigger full-sync.
        DateTimeOffset asked = h.Time.GetUtcNow();
        await ReportAsync(h, mirror, s => { s.Started = asked; s.FullSyncRequested = asked; s.FullSyncReason = "start"; });
        IReadOnlyList<SyncJob> children = await ChildrenCountAsync(h, "live", 2);
        Assert.All(children, c => Assert.Equal("full-sync", c.Metadata.Annotations![MirrorLabels.Trigger]));
        h.Advance(TimeSpan.FromSeconds(5));
        h.FinishChild(children[0].Metadata.Name!, succeeded: true);
        h.FinishChild(children[1].Metadata.Name!, succeeded: true);
        ReplicaMirror? inSync = await Eventually.MatchAsync(() => h.GetMirrorAsync("live"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.InSync)?.Status == ConditionStatus.True, "InSync");
        Assert.Equal("0s", inSync!.Status!.DataAge);
        await ReportAsync(h, mirror, s => { s.PendingChanges = 2; s.OldestPendingChange = h.Time.GetUtcNow(); });

        // Pending changes alone are not worth an immediate status write: they go out with the next coalesced one.
        h.Advance(h.Options.StatusWriteInterval);
        ReplicaMirror? synced = await Eventually.MatchAsync(() => h.GetMirrorAsync("live"),
            m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.InSync)?.Status == ConditionStatus.True && m!.Status!.Continuous?.PendingChanges == 2, "InSync with 2 pending changes");
        Assert.Equal("2s", synced!.Status!.DataAge);
        Assert.Equal("live-watcher-0", synced.Status.Continuous!.WatcherPod);
        Assert.Contains("ferry_mirror_pending_changes{mirror=\"live\",namespace=\"default\"} 2", h.MetricsText(), StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_in_sync{destination=\"ap\",mirror=\"live\",namespace=\"default\"} 1", h.MetricsText(), StringComparison.Ordinal);

        // The oldest change waits longer than rpo (4 x delay = 1m), the watcher still reporting: RpoExceeded, as a
        // scheduled mirror's data that is too old; a key that fails makes it Degraded.
        h.Advance(TimeSpan.FromSeconds(61) - h.Options.StatusWriteInterval);
        await ReportAsync(h, mirror, s => { s.PendingChanges = 3; s.FailingKeys = 1; });
        ReplicaMirror? late = await Eventually.MatchAsync(() => h.GetMirrorAsync("live"),
            m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.InSync)?.Status == ConditionStatus.False && MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Degraded)?.Status == ConditionStatus.True,
            "InSync False and Degraded");
        Assert.Equal(ReplicaMirrorConditionReasons.RpoExceeded, MirrorHarness.Cond(late, ReplicaMirrorConditionTypes.InSync)!.Reason);
        Assert.Contains("rpo 1m0s: 3 change(s) pending, the oldest seen 1m1s ago", MirrorHarness.Cond(late, ReplicaMirrorConditionTypes.InSync)!.Message, StringComparison.Ordinal);
        Assert.Equal(ReplicaMirrorConditionReasons.KeysFailing, MirrorHarness.Cond(late, ReplicaMirrorConditionTypes.Degraded)!.Reason);
        Assert.Equal("1m1s", late!.Status!.DataAge);
        string metrics = h.MetricsText();
        Assert.Contains("ferry_mirror_in_sync{destination=\"eu\",mirror=\"live\",namespace=\"default\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_data_age_seconds{destination=\"eu\",mirror=\"live\",namespace=\"default\"} 61", metrics, StringComparison.Ordinal);
        Assert.Contains("ferry_mirror_change_lag_seconds{mirror=\"live\",namespace=\"default\"} 61", metrics, StringComparison.Ordinal);

        // Applied: back in sync, not degraded; no second full sync was asked for, none ran.
        await ReportAsync(h, mirror, s => { s.PendingChanges = 0; s.OldestPendingChange = null; s.FailingKeys = 0; s.LastBatchTime = h.Time.GetUtcNow(); s.LastBatchKeys = 3; });
        ReplicaMirror? back = await Eventually.MatchAsync(() => h.GetMirrorAsync("live"),
            m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.InSync)?.Status == ConditionStatus.True && MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Degraded)?.Status == ConditionStatus.False,
            "InSync and not Degraded again");
        Assert.Equal(3, back!.Status!.Continuous!.LastBatchKeys);
        Assert.Equal(2, (await h.ChildrenAsync("live")).Count);
    }

    [Fact]
    public async Task Continuous_DestinationWhoseSecretAppears_ReplacesTheWatcherPodWithIt()
    {
        await using MirrorHarness h = await MirrorHarness.StartAsync();
        h.CreateClaim("eu-data");
        h.CreateClaim("inbox");
        await h.CreateMirrorAsync(Continuous("late"));

        V1Pod first = await WatcherPodAsync(h, "late-watcher-0");
        Assert.Equal("eu", first.GetAnnotation(WatcherContract.DestinationsAnnotation));
        Assert.DoesNotContain(first.Spec.Containers[0].Env!, e => e.Name.StartsWith("FERRY_DESTINATION_1_", StringComparison.Ordinal));

        await h.CreateS3SecretAsync();
        h.Advance(h.Options.SpecRecheckInterval);

        V1Pod second = await WatcherPodAsync(h, "late-watcher-1");
        Assert.Equal("eu,ap", second.GetAnnotation(WatcherContract.DestinationsAnnotation));
        Assert.Contains(second.Spec.Containers[0].Env!, e => e.Name == "FERRY_DESTINATION_1_NAME" && e.Value == "ap");
        await Eventually.MatchAsync(() => h.TestClient.TryGetAsync(KubeResources.Pods, MirrorHarness.Namespace, "late-watcher-0"), p => p is null, "the old watcher pod deleted");
        ReplicaMirror? mirror = await Eventually.MatchAsync(() => h.GetMirrorAsync("late"), m => MirrorHarness.Cond(m, ReplicaMirrorConditionTypes.Ready)?.Status == ConditionStatus.True, "Ready");
        Assert.Equal(0, mirror!.Status!.Continuous!.WatcherFailures);
    }
}
