namespace Ferry.Kube.Client;

/// <summary>How deleting an owner treats its dependents.</summary>
/// <remarks>Kubernetes "Garbage Collection": cascading deletion.</remarks>
public enum PropagationPolicy
{
    /// <summary>The owner goes at once; the garbage collector deletes dependents in the background.</summary>
    Background,

    /// <summary>The owner stays (with deletionTimestamp) until dependents with blockOwnerDeletion are gone.</summary>
    Foreground,

    /// <summary>Dependents are kept and their ownerReferences to the owner removed.</summary>
    Orphan,
}
