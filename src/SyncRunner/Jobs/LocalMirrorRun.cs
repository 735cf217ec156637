using System.Text.Json;
using System.Text.Json.Nodes;
using Ferry.Api;
using Ferry.Api.Conditions;
using Ferry.Api.ReplicaMirrors;
using Ferry.Api.Schema;
using Ferry.Api.Serialization;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;

namespace Ferry.SyncRunner.Jobs;

/// <summary><c>ferry run -f mirror.yaml</c>: runs one run of every destination of a ReplicaMirror on this machine,
/// each as the child SyncJob the operator would create (<see cref="MirrorChildren.Build"/>) on its own
/// <see cref="LocalRun"/>, and computes the mirror status the operator would write
/// (<see cref="ReplicaMirrorStatusBuilder"/>).</summary>
/// <remarks>Destinations with <c>suspend: true</c> (or all, when the mirror is suspended) do not run. At most
/// <c>maxParallelDestinations</c> destinations run at once. The slot of every run is the moment the command starts;
/// runs are marked with the <c>manual</c> trigger.</remarks>
internal sealed class LocalMirrorRun
{
    private readonly List<(MirrorDestination Destination, LocalRun Run)> _runs = [];

    private LocalMirrorRun(ReplicaMirror mirror, MirrorTrigger trigger, DateTimeOffset slot)
    {
        Mirror = mirror;
        Trigger = trigger;
        Slot = slot;
    }

    /// <summary>The mirror, defaults applied.</summary>
    public ReplicaMirror Mirror { get; }

    /// <summary>The mirror's trigger (for its RPO).</summary>
    public MirrorTrigger Trigger { get; }

    /// <summary>The slot every run serves.</summary>
    public DateTimeOffset Slot { get; }

    /// <summary>The destinations that run, in spec order, each with the local run of its child SyncJob.</summary>
    public IReadOnlyList<(MirrorDestination Destination, LocalRun Run)> Runs => _runs;

    /// <summary>Prepares the runs: applies defaults, checks the trigger and builds one child SyncJob per destination
    /// that is not suspended.</summary>
    /// <param name="mirror">The ReplicaMirror.</param>
    /// <param name="manifests">The Secrets and ConfigMaps given with it.</param>
    /// <param name="now">The slot of the runs.</param>
    /// <returns>The prepared run.</returns>
    /// <exception cref="ConfigurationException">The trigger fields are invalid (the message names the field).</exception>
    public static LocalMirrorRun Create(ReplicaMirror mirror, LocalManifests manifests, DateTimeOffset now)
    {
        SchemaDefaults.Apply(mirror.Spec);
        mirror.Metadata.NamespaceProperty ??= "default";
        mirror.Metadata.Uid ??= "local";
        mirror.Metadata.Generation ??= 1;
        mirror.Metadata.CreationTimestamp ??= MirrorTrigger.Truncate(now).UtcDateTime;
        MirrorTrigger trigger;
        try
        {
            trigger = MirrorTrigger.Parse(mirror.Spec);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException(e.Message, e);
        }

        var run = new LocalMirrorRun(mirror, trigger, MirrorTrigger.Truncate(now));
        foreach (MirrorDestination destination in mirror.Spec.Destinations)
        {
            if (mirror.Spec.Suspend == true || destination.Suspend == true)
            {
                continue;
            }

            SyncJob child = MirrorChildren.Build(mirror, destination, run.Slot, "manual", mirror.Spec.ManualTrigger);
            run._runs.Add((destination, LocalRun.For(child, manifests)));
        }

        return run;
    }

    /// <summary>The destinations that will run, with the environment of each (credentials from the Secrets, volumes
    /// from <paramref name="volumes"/>), so that a missing Secret or volume is refused before anything runs.</summary>
    /// <param name="volumes">Claim name → local directory.</param>
    /// <returns>One environment per run, in spec order.</returns>
    /// <exception cref="ConfigurationException">A referenced Secret, Secret key or volume mapping is missing.</exception>
    public IReadOnlyList<Dictionary<string, string>> Environments(IReadOnlyDictionary<string, string> volumes) =>
        [.. _runs.Select(r => r.Run.Environment(volumes))];

    /// <summary>Runs every destination and returns the mirror status the operator would write.</summary>
    /// <param name="workers">In-process workers per run, or <see langword="null"/> for each child's <c>spec.workers</c>.</param>
    /// <param name="environments">From <see cref="Environments"/>.</param>
    /// <param name="onError">Receives error lines.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops the runs.</param>
    /// <returns>The status.</returns>
    public async Task<ReplicaMirrorStatus> RunAsync(int? workers, IReadOnlyList<Dictionary<string, string>> environments, Action<string>? onError, TimeProvider time, CancellationToken cancellationToken)
    {
        using var places = new SemaphoreSlim(Mirror.Spec.MaxParallelDestinations ?? Math.Max(1, _runs.Count));
        (string Name, SyncJob Child)[] finished = await Task.WhenAll(_runs.Select(async (r, i) =>
        {
            await places.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SyncJob child = r.Run.Job;
                child.Metadata.CreationTimestamp = Slot.UtcDateTime;
                child.Status = await r.Run.RunAsync(workers ?? child.Spec.Workers ?? Api.Sync.SyncOptionLimits.DefaultWorkers, environments[i], line => onError?.Invoke($"{r.Destination.Name}: {line}"), time, cancellationToken)
                    .ConfigureAwait(false);
                return (r.Destination.Name, Child: child);
            }
            finally
            {
                places.Release();
            }
        })).ConfigureAwait(false);

        DateTimeOffset now = time.GetUtcNow();
        long generation = Mirror.Metadata.Generation ?? 1;
        var status = new ReplicaMirrorStatus { ObservedGeneration = generation, Conditions = [], Destinations = [] };
        foreach (MirrorDestination destination in Mirror.Spec.Destinations)
        {
            var ds = new MirrorDestinationStatus { Name = destination.Name };
            if (finished.FirstOrDefault(f => f.Name == destination.Name).Child is { } child)
            {
                ds.LastScheduleTime = Slot;
                ds.LastManualTrigger = Mirror.Spec.ManualTrigger;
                ReplicaMirrorStatusBuilder.RecordFinished(ds, child, now);
                ds.Phase = child.Status?.Phase;
            }

            status.Destinations.Add(ds);
        }

        status.LastManualTrigger = Mirror.Spec.ManualTrigger;
        status.Conditions.SetCondition(new V1Condition
        {
            Type = ReplicaMirrorConditionTypes.Ready, Status = ConditionStatus.True, Reason = ReplicaMirrorConditionReasons.Valid,
            Message = "the spec is valid and every referenced Secret and volume was given", ObservedGeneration = generation,
        }, time);
        bool suspended = Mirror.Spec.Suspend == true;
        status.Conditions.SetCondition(new V1Condition
        {
            Type = ReplicaMirrorConditionTypes.Suspended, Status = suspended ? ConditionStatus.True : ConditionStatus.False,
            Reason = suspended ? ReplicaMirrorConditionReasons.SuspendedBySpec : ReplicaMirrorConditionReasons.Resumed,
            Message = suspended ? "spec.suspend is true: no destination ran" : "spec.suspend is false", ObservedGeneration = generation,
        }, time);
        ReplicaMirrorStatusBuilder.Summarize(Mirror, status, Trigger.Rpo(Mirror.Spec, now), time);
        return status;
    }

    /// <summary>Whether every destination that ran succeeded.</summary>
    /// <param name="status">The status from <see cref="RunAsync"/>.</param>
    /// <returns><see langword="true"/> when none failed.</returns>
    public static bool Succeeded(ReplicaMirrorStatus status) =>
        status.Destinations?.All(d => d.LastResult is null || d.LastResult.Result == MirrorSyncResult.Succeeded) != false;

    /// <summary>The status as indented JSON.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The text.</returns>
    public static string ToJson(ReplicaMirrorStatus status) =>
        JsonNode.Parse(JsonSerializer.Serialize(status, ApiJsonContext.Default.ReplicaMirrorStatus))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
