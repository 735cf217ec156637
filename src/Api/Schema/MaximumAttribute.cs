namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>maximum</c> of a numeric field (inclusive).</summary>
/// <param name="value">The largest allowed value.</param>
/// <remarks>OpenAPI v3.0 schema object, <c>maximum</c>.</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(long value) : Attribute
{
    /// <summary>The largest allowed value.</summary>
    public long Value { get; } = value;
}
