using Ferry.Api.Conditions;
using Ferry.Api.Endpoints;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Schema;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using Ferry.Operator.ReplicaMirrors;
using Microsoft.Extensions.Time.Testing;

namespace Ferry.Operator.Tests.ReplicaMirrors;

/// <summary>A ReplicaMirror and its children without an API server: each <see cref="Step"/> plans with
/// <see cref="MirrorPlanner"/> at the fake clock's time and applies the plan as the reconciler would (creates, deletes,
/// status written, events recorded); the test plays the SyncJob controller with <see cref="Finish"/>.</summary>
internal sealed class MirrorWorld
{
    public static readonly DateTimeOffset Created = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);

    private int _uid;

    public MirrorWorld(Action<ReplicaMirrorSpec> configure, params string[] destinations)
    {
        var spec = new ReplicaMirrorSpec
        {
            Source = new Endpoint { S3 = new S3Endpoint { Bucket = "primary", CredentialsSecretRef = new S3CredentialsSecretRef { Name = "src" } } },
            Destinations = [.. (destinations.Length == 0 ? ["eu", "ap"] : destinations).Select(d => new MirrorDestination { Name = d, Volume = new VolumeEndpoint { ClaimName = d } })],
        };
        configure(spec);
        SchemaDefaults.Apply(spec);
        Mirror = new ReplicaMirror
        {
            Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns", Uid = "mirror-uid", Generation = 1, CreationTimestamp = Created.UtcDateTime },
            Spec = spec,
        };
    }

    public ReplicaMirror Mirror { get; }

    public FakeTimeProvider Time { get; } = new(Created);

    public List<SyncJob> Children { get; } = [];

    public List<MirrorEvent> Events { get; } = [];

    public MirrorValidity Validity { get; set; } = MirrorValidity.Valid;

    /// <summary>A continuous mirror's watcher pods (the test plays the kubelet on them).</summary>
    public List<V1Pod> WatcherPods { get; } = [];

    /// <summary>A continuous mirror's watcher Lease (the test plays the watcher).</summary>
    public V1Lease? WatcherLease { get; set; }

    public ReplicaMirrorStatus Status => Mirror.Status!;

    public MirrorDestinationStatus Destination(string name) => Status.Destinations!.Single(d => d.Name == name);

    /// <summary>Plans and applies one reconcile.</summary>
    public MirrorPlan Step()
    {
        MirrorPlan plan = MirrorPlanner.Plan(Mirror, [.. Children], Validity, Time, new WatcherObservation([.. WatcherPods], WatcherLease));
        if (plan.Watcher is { } watcher)
        {
            WatcherPods.RemoveAll(p => watcher.Delete.Any(d => d.Metadata.Name == p.Metadata.Name));
            if (watcher.Create is { } next)
            {
                V1Pod pod = WatcherPodBuilder.Build(Mirror, next.Number, next.Failures, new Ferry.Operator.SyncJobs.RunnerJobSettings("ferry:test", 15, null), WatcherPlanner.Destinations(Mirror, Validity), new Dictionary<string, IReadOnlySet<string>>());
                Assert.DoesNotContain(WatcherPods, p => p.Metadata.Name == pod.Metadata.Name);
                pod.Metadata.Uid = $"pod-{++_uid}";
                pod.Metadata.CreationTimestamp = Time.GetUtcNow().UtcDateTime;
                pod.Status = new V1PodStatus { Phase = "Running", StartTime = Time.GetUtcNow().UtcDateTime };
                WatcherPods.Add(pod);
            }
        }

        foreach (SyncJob? gone in plan.Replaced.Concat(plan.Pruned))
        {
            Children.RemoveAll(c => c.Metadata.Name == gone.Metadata.Name);
        }

        foreach (SyncJob child in plan.Starts)
        {
            Assert.DoesNotContain(Children, c => c.Metadata.Name == child.Metadata.Name);
            child.Metadata.Uid = $"child-{++_uid}";
            child.Metadata.CreationTimestamp = Time.GetUtcNow().UtcDateTime;
            Children.Add(child);
        }

        Mirror.Status = plan.Status;
        Events.AddRange(plan.Events);
        return plan;
    }

    /// <summary>Advances the clock and steps.</summary>
    public MirrorPlan At(TimeSpan sinceCreation)
    {
        Time.SetUtcNow(Created + sinceCreation);
        return Step();
    }

    public SyncJob? Active(string destination) =>
        Children.SingleOrDefault(c => c.Metadata.Labels![MirrorLabels.Destination] == destination && !MirrorChildren.IsFinished(c));

    /// <summary>Ends the destination's running child as the SyncJob controller would.</summary>
    public SyncJob Finish(string destination, bool succeeded = true, string? reason = null, string? error = null, long copied = 5)
    {
        SyncJob child = Active(destination) ?? throw new InvalidOperationException($"no run of {destination}");
        DateTimeOffset now = Time.GetUtcNow();
        child.Status = new SyncJobStatus
        {
            Phase = succeeded ? SyncJobPhase.Succeeded : SyncJobPhase.Failed,
            StartTime = child.Metadata.CreationTimestamp,
            CompletionTime = now,
            LastError = error,
            Progress = new SyncProgress { Copied = copied, CopiedBytes = copied * 100, Deleted = 0, Failed = succeeded ? 0 : 1 },
            Conditions =
            [
                new V1Condition { Type = SyncJobConditionTypes.SpecValid, Status = ConditionStatus.True, Reason = "Valid" },
                new V1Condition
                {
                    Type = succeeded ? SyncJobConditionTypes.Complete : SyncJobConditionTypes.Failed,
                    Status = ConditionStatus.True,
                    Reason = reason ?? (succeeded ? SyncJobConditionReasons.Succeeded : SyncJobConditionReasons.ObjectsFailed),
                    Message = error ?? "done",
                },
            ],
        };
        return child;
    }

    public IEnumerable<SyncJob> ChildrenOf(string destination) => Children.Where(c => c.Metadata.Labels![MirrorLabels.Destination] == destination);

    public IEnumerable<MirrorEvent> EventsOf(string reason) => Events.Where(e => e.Reason == reason);

    public V1Condition? Condition(string type) => Status.Conditions?.FindCondition(type);
}
