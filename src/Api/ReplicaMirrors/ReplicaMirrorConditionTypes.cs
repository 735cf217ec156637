namespace Ferry.Api.ReplicaMirrors;

/// <summary>Condition types of a <see cref="ReplicaMirror"/>.</summary>
/// <remarks>Kubernetes API conventions, "Typical status properties".</remarks>
public static class ReplicaMirrorConditionTypes
{
    /// <summary>True when the spec is valid and every Secret, ConfigMap and PersistentVolumeClaim it refers to exists
    /// with the keys needed; false names what is wrong (no run starts for what it concerns).</summary>
    public const string Ready = "Ready";

    /// <summary>True when every destination that is not suspended is within <c>rpo</c> (its last successful run
    /// started within it), or, without an <c>rpo</c>, when its last run succeeded.</summary>
    public const string InSync = "InSync";

    /// <summary>True when the last finished run of some destination failed; cleared by that destination's next
    /// successful run.</summary>
    public const string Degraded = "Degraded";

    /// <summary>True while <c>spec.suspend</c> holds the mirror.</summary>
    public const string Suspended = "Suspended";
}
