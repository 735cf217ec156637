using System.Text.Json.Nodes;
using Ferry.Api.Runs;

namespace Ferry.E2E.Tests.Harness;

/// <summary>A run's task Lease as the queue contract (<see cref="RunAnnotations"/>) describes it.</summary>
internal sealed class TaskLease(JsonObject lease)
{
    /// <summary>The Lease's name.</summary>
    public string Name => (string)lease["metadata"]!["name"]!;

    /// <summary><c>spec.holderIdentity</c>, or null.</summary>
    public string? Holder => (string?)lease["spec"]?["holderIdentity"];

    /// <summary><c>spec.leaseTransitions</c> (0 when absent).</summary>
    public long Transitions => lease["spec"]?["leaseTransitions"] is JsonValue v && v.TryGetValue(out long n) ? n : 0;

    /// <summary>The pod of the holder: <c>holderIdentity</c> (the pod name, <see cref="RunnerContract.PodNameVariable"/>)
    /// up to a <c>/</c>, should a worker hold tasks as <c>POD/N</c> (earlier workers did), or null.</summary>
    public string? HolderPod => Holder?.Split('/')[0];

    /// <summary>The task state (<see cref="TaskStates"/>), or null.</summary>
    public string? State => Annotation(RunAnnotations.State);

    /// <summary>How many times the task was claimed (0 when absent).</summary>
    public long Attempts => long.TryParse(Annotation(RunAnnotations.Attempts), out long n) ? n : 0;

    /// <summary>The inclusive start key of the range ("" for the beginning).</summary>
    public string RangeStart => Annotation(RunAnnotations.RangeStart) ?? "";

    /// <summary>The exclusive end key of the range, or null when unbounded.</summary>
    public string? RangeEnd => Annotation(RunAnnotations.RangeEnd);

    /// <summary>Whether <paramref name="key"/> lies in the half-open range (UTF-8 byte order, which is ordinal order
    /// for the tree's keys).</summary>
    public bool Contains(string key) =>
        string.CompareOrdinal(key, RangeStart) >= 0 && (RangeEnd is null || string.CompareOrdinal(key, RangeEnd) < 0);

    /// <summary>The last checkpointed key, or null.</summary>
    public string? LastKey => Annotation(RunAnnotations.LastKey);

    /// <summary>A counter of the checkpointed counters JSON (camelCase), 0 when absent.</summary>
    public long Counter(string name) =>
        Annotation(RunAnnotations.Counters) is { } json && JsonNode.Parse(json)?[name] is JsonValue v && v.TryGetValue(out long n) ? n : 0;

    /// <summary>The run's task Leases of <paramref name="cluster"/> in <paramref name="ns"/>.</summary>
    public static IReadOnlyList<TaskLease> Of(E2ECluster cluster, string ns, string runUid) =>
        cluster.CopyTasks(ns, runUid).Select(l => new TaskLease(l)).ToList();

    private string? Annotation(string key) => (string?)lease["metadata"]?["annotations"]?[key];
}
