namespace Ferry.Operator.ReplicaMirrors;

/// <summary>Reasons of the Events the operator records on ReplicaMirrors.</summary>
internal static class MirrorEventReasons
{
    /// <summary>A child SyncJob was created for a destination's slot (Normal).</summary>
    public const string RunStarted = "RunStarted";

    /// <summary>A destination's run succeeded (Normal).</summary>
    public const string RunSucceeded = "RunSucceeded";

    /// <summary>A destination's run failed (Warning).</summary>
    public const string RunFailed = "RunFailed";

    /// <summary>A due slot was skipped because the destination's previous run was still going (<c>Forbid</c>; Warning).</summary>
    public const string RunSkipped = "RunSkipped";

    /// <summary>A running child was deleted to start the run of a newer slot (<c>Replace</c>; Normal).</summary>
    public const string RunReplaced = "RunReplaced";

    /// <summary>Slots passed without a run (an outage, a suspend, or <c>startingDeadlineSeconds</c>); one event per
    /// catch-up says how many (Warning).</summary>
    public const string MissedSchedule = "MissedSchedule";

    /// <summary>A run failed before deleting anything because it would have deleted more than <c>maxDelete</c> keys
    /// (Warning).</summary>
    public const string MaxDeleteExceeded = "MaxDeleteExceeded";

    /// <summary>Children of a destination that was removed from the spec were deleted (Normal).</summary>
    public const string DestinationRemoved = "DestinationRemoved";

    /// <summary>A continuous mirror's watcher pod was created (a warning when it replaces one that ended).</summary>
    public const string WatcherStarted = "WatcherStarted";
}
