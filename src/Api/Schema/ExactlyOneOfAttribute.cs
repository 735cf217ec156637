namespace Ferry.Api.Schema;

/// <summary>Exactly one of the named properties must be set. The CRD carries this twice: as an OpenAPI
/// <c>oneOf</c> of <c>required</c> lists (checked by every structural-schema validator) and as a CEL rule
/// (whose message names the fields).</summary>
/// <param name="properties">The C# property names (use <c>nameof</c>).</param>
/// <remarks><c>oneOf</c> with only <c>required</c> inside is allowed in structural schemas (Kubernetes
/// documentation, "Specifying a structural schema").</remarks>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ExactlyOneOfAttribute(params string[] properties) : Attribute
{
    /// <summary>The C# property names.</summary>
    public IReadOnlyList<string> Properties { get; } = properties;
}
