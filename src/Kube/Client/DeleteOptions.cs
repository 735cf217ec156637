namespace Ferry.Kube.Client;

/// <summary>Options of a delete request (sent as a metav1.DeleteOptions body).</summary>
public sealed class DeleteOptions
{
    /// <summary>How dependents are treated.</summary>
    /// <value>Default <see langword="null"/>: the kind's default (Background for most, Orphan for some legacy kinds).</value>
    public PropagationPolicy? PropagationPolicy { get; init; }

    /// <summary>Seconds the object may take to terminate gracefully; 0 deletes at once.</summary>
    /// <value>Default <see langword="null"/>: the kind's default.</value>
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Delete only if the object still has this uid (precondition; otherwise 409 Conflict).</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only if the object still has this resourceVersion (precondition; otherwise 409 Conflict).</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? PreconditionResourceVersion { get; init; }

    /// <summary>Validate and admit but do not persist.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool DryRun { get; init; }
}
