namespace Ferry.Api.ReplicaMirrors;

/// <summary>Label and annotation keys on the child SyncJobs of a <see cref="ReplicaMirror"/>.</summary>
/// <remarks>The operator finds a mirror's children by its controller ownerReference and the
/// <see cref="MirrorUid"/> label; <see cref="ScheduledTime"/> makes the slot a child serves readable after an
/// operator restart (Kubernetes CronJob keeps it in <c>batch.kubernetes.io/cronjob-scheduled-timestamp</c>).</remarks>
public static class MirrorLabels
{
    /// <summary>Label: the mirror's <c>metadata.name</c> (names longer than 63 characters are cut and given a hash,
    /// as <see cref="MirrorNames.LabelValue"/> does).</summary>
    public const string Mirror = "ferry.io/mirror";

    /// <summary>Label: the mirror's <c>metadata.uid</c>.</summary>
    public const string MirrorUid = "ferry.io/mirror-uid";

    /// <summary>Label: the destination's name (<c>spec.destinations[].name</c>).</summary>
    public const string Destination = "ferry.io/mirror-destination";

    /// <summary>Annotation: the slot the child serves, RFC 3339 in whole seconds (UTC).</summary>
    public const string ScheduledTime = "ferry.io/scheduled-time";

    /// <summary>Annotation: what started the run: <c>schedule</c>, <c>interval</c>, <c>manual</c> or <c>back-to-back</c>.</summary>
    public const string Trigger = "ferry.io/trigger";

    /// <summary>Annotation: the <c>spec.manualTrigger</c> token the run was started for, when it was.</summary>
    public const string ManualTrigger = "ferry.io/manual-trigger";
}
