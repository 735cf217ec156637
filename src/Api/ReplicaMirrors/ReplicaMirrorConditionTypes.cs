namespace Ferry.Api.ReplicaMirrors;

/// <summary>Condition types of a <see cref="ReplicaMirror"/>.</summary>
/// <remarks>Kubernetes API conventions, "Typical status properties".</remarks>
public static class ReplicaMirrorConditionTypes
{
    /// <summary>True when the spec is valid and the mirror is scheduling runs (false while suspended or invalid).</summary>
    public const string Ready = "Ready";

    /// <summary>True when the last finished run succeeded for every destination.</summary>
    public const string InSync = "InSync";

    /// <summary>True when the last finished run failed for at least one destination, or runs were missed.</summary>
    public const string Degraded = "Degraded";
}
