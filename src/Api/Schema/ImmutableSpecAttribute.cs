namespace Ferry.Api.Schema;

/// <summary>Makes the spec of a custom resource immutable once <paramref name="startedRule"/> holds for the
/// stored object. The generator writes a transition rule at the schema root that compares every spec property
/// not marked <see cref="MutableAfterStartAttribute"/> with its previous value.</summary>
/// <param name="startedRule">A CEL expression over <c>oldSelf</c> (the stored object) that is true once the
/// object has started, e.g. <c>has(oldSelf.status) &amp;&amp; has(oldSelf.status.startTime)</c>.</param>
/// <param name="message">The message the API server returns when an update is rejected.</param>
/// <remarks>Transition rules run on updates only (Kubernetes documentation, "Transition rules"); CEL cannot
/// drop keys from an object, so the comparison is spelled out per property.</remarks>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ImmutableSpecAttribute(string startedRule, string message) : Attribute
{
    /// <summary>The CEL expression over <c>oldSelf</c> that is true once the object has started.</summary>
    public string StartedRule { get; } = startedRule;

    /// <summary>The rejection message.</summary>
    public string Message { get; } = message;
}
