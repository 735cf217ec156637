namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>minimum</c> of a numeric field (inclusive).</summary>
/// <param name="value">The smallest allowed value.</param>
/// <remarks>OpenAPI v3.0 schema object, <c>minimum</c>; on an int-or-string field it constrains the integer form only.</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(long value) : Attribute
{
    /// <summary>The smallest allowed value.</summary>
    public long Value { get; } = value;
}
