namespace Ferry.Api.ReplicaMirrors;

/// <summary>What starts the runs of a <see cref="ReplicaMirror"/>; <c>manualTrigger</c> tokens start runs in every kind.</summary>
public enum MirrorTriggerKind
{
    /// <summary><c>spec.schedule</c>: cron slots in <c>spec.timeZone</c>.</summary>
    Schedule,

    /// <summary><c>spec.interval</c>: a slot every interval, the first at creation.</summary>
    Interval,

    /// <summary>Only <c>spec.manualTrigger</c>: a run whenever the token changes.</summary>
    Manual,

    /// <summary>None of the three: each destination's next run starts when its previous one ends (after a back-off when
    /// it failed).</summary>
    BackToBack,

    /// <summary><c>spec.continuous</c>: a watcher applies changes as they happen; full syncs at the watcher's request
    /// and every <c>fullSyncInterval</c>.</summary>
    Continuous,
}
