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

    /// <summary>Reads <see cref="RunAnnotations.OutcomeCondition"/>: the failure kind it names, and
    /// <see cref="RunFailureKind.ObjectsFailed"/> for a value this version does not know (or none).</summary>
    /// <param name="value">The annotation's value, or <see langword="null"/>.</param>
    /// <returns>The kind.</returns>
    public static RunFailureKind FailureKind(string? value) =>
        Enum.TryParse(value, ignoreCase: false, out RunFailureKind kind) && kind.ToString() == value ? kind : RunFailureKind.ObjectsFailed;
}
