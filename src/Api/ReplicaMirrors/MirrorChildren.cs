using System.Globalization;
using Ferry.Api.Conditions;
using Ferry.Api.Runs;
using Ferry.Api.SyncJobs;
using k8s;
using k8s.Models;
using Ferry.Kube.Runtime;

namespace Ferry.Api.ReplicaMirrors;

/// <summary>Builds and reads the child SyncJobs of a <see cref="ReplicaMirror"/>: one per run of one destination.</summary>
/// <remarks>The operator and <c>ferry run -f mirror.yaml</c> both build children here, so a local run uses exactly the
/// spec the operator would create. A child copies every sync option of the mirror (<see cref="Sync.SyncOptionsSpec.CopyOptionsTo"/>),
/// has the mirror's source and the destination's endpoint, a controller ownerReference to the mirror (garbage
/// collection removes it with the mirror) and the labels and annotations of <see cref="MirrorLabels"/>.</remarks>
public static class MirrorChildren
{
    /// <summary>Builds the child SyncJob of one run.</summary>
    /// <param name="mirror">The mirror, with defaults applied (name, namespace and uid set).</param>
    /// <param name="destination">One of its destinations.</param>
    /// <param name="slot">The slot the run serves (whole seconds); it names the child.</param>
    /// <param name="trigger">The <see cref="MirrorLabels.Trigger"/> value, e.g. <c>interval</c>.</param>
    /// <param name="manualTrigger">The <c>spec.manualTrigger</c> token the run serves, or <see langword="null"/>.</param>
    /// <returns>The SyncJob to create.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The mirror has no name.</exception>
    public static SyncJob Build(ReplicaMirror mirror, MirrorDestination destination, DateTimeOffset slot, string trigger, string? manualTrigger)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(trigger);
        var name = mirror.Metadata.Name ?? throw new ArgumentException("The mirror has no name.", nameof(mirror));
        var spec = new SyncJobSpec { Source = mirror.Spec.Source, Destination = destination.ToEndpoint() };
        mirror.Spec.CopyOptionsTo(spec);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MirrorLabels.ScheduledTime] = FormatTime(slot),
            [MirrorLabels.Trigger] = trigger,
        };
        if (manualTrigger is not null)
        {
            annotations[MirrorLabels.ManualTrigger] = manualTrigger;
        }

        return new SyncJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = MirrorNames.ChildName(name, destination.Name, slot),
                NamespaceProperty = mirror.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [MirrorLabels.Mirror] = MirrorNames.LabelValue(name),
                    [MirrorLabels.MirrorUid] = mirror.Metadata.Uid ?? "",
                    [MirrorLabels.Destination] = destination.Name,
                    [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
                },
                Annotations = annotations,
                OwnerReferences = [Kube.Runtime.OwnerReferences.ControllerOf(mirror)],
            },
            Spec = spec,
        };
    }

    /// <summary>Whether <paramref name="child"/> is controlled by <paramref name="mirror"/> (a controller
    /// ownerReference with the mirror's uid).</summary>
    /// <param name="child">A SyncJob.</param>
    /// <param name="mirror">The mirror.</param>
    /// <returns><see langword="true"/> if the mirror is the child's controller.</returns>
    public static bool IsControlledBy(SyncJob child, ReplicaMirror mirror) => OwnerReferences.IsControlledBy(child, mirror);

    /// <summary>The slot a child serves (its <see cref="MirrorLabels.ScheduledTime"/> annotation), else its
    /// creationTimestamp.</summary>
    /// <param name="child">A child SyncJob.</param>
    /// <returns>The slot, or <see langword="null"/> when neither is known.</returns>
    public static DateTimeOffset? ScheduledTime(SyncJob child) =>
        child.GetAnnotation(MirrorLabels.ScheduledTime) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : child.Metadata.CreationTimestamp;

    /// <summary>Whether the child's run is over: its <c>Complete</c> or <c>Failed</c> condition is true.</summary>
    /// <param name="child">A SyncJob.</param>
    /// <returns><see langword="true"/> when the run has ended.</returns>
    public static bool IsFinished(SyncJob child) =>
        child.Status?.Conditions is { } conditions
        && (conditions.IsConditionTrue(SyncJobConditionTypes.Complete) || conditions.IsConditionTrue(SyncJobConditionTypes.Failed));

    /// <summary>Whether the finished child succeeded.</summary>
    /// <param name="child">A finished SyncJob.</param>
    /// <returns><see langword="true"/> when its <c>Complete</c> condition is true.</returns>
    public static bool Succeeded(SyncJob child) =>
        child.Status?.Conditions?.IsConditionTrue(SyncJobConditionTypes.Complete) == true;

    /// <summary>RFC 3339 in whole seconds, UTC (<c>2026-12-08T10:15:00Z</c>).</summary>
    /// <param name="time">A moment.</param>
    /// <returns>The text.</returns>
    public static string FormatTime(DateTimeOffset time) =>
        MirrorTrigger.Truncate(time).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
