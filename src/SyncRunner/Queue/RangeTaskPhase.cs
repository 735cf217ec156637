namespace Ferry.SyncRunner.Queue;

/// <summary>Which pass over a key range a task runs.</summary>
public enum RangeTaskPhase
{
    /// <summary>Merge-join the range and copy, check or skip each source key; count delete candidates.</summary>
    Copy,

    /// <summary>Merge-join the range again and delete destination keys absent in the source (published only after every copy task succeeded).</summary>
    Delete,
}
