namespace Ferry.Api.Runs;

/// <summary>Values of the <see cref="RunAnnotations.Outcome"/> annotation of the scan Lease, written by the worker
/// that finds the queue finished.</summary>
public static class RunOutcomes
{
    /// <summary>Every copy task (and delete task, with <c>deleteDst</c>) is done and no object failed.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The run ended without success; <see cref="RunAnnotations.OutcomeReason"/> and
    /// <see cref="RunAnnotations.OutcomeCondition"/> say why (e.g. <c>maxDelete</c> exceeded: nothing deleted).</summary>
    public const string Failed = "failed";
}
