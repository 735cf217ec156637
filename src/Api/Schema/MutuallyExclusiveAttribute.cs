namespace Ferry.Api.Schema;

/// <summary>At most one of the named properties may be set. The CRD carries this as
/// <c>not: {required: [...]}</c> for every pair and as a CEL rule.</summary>
/// <param name="properties">The C# property names (use <c>nameof</c>).</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class MutuallyExclusiveAttribute(params string[] properties) : Attribute
{
    /// <summary>The C# property names.</summary>
    public IReadOnlyList<string> Properties { get; } = properties;
}
