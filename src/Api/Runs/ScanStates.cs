namespace Ferry.Api.Runs;

/// <summary>Values of the <see cref="RunAnnotations.ScanState"/> annotation of the scan Lease.</summary>
public static class ScanStates
{
    /// <summary>The scan is publishing copy tasks.</summary>
    public const string Running = "running";

    /// <summary>The scan has published its last copy task; no more will come.</summary>
    public const string Done = "done";
}
