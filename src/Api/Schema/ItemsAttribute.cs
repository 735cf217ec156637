namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>minItems</c>/<c>maxItems</c> of a list, or <c>minProperties</c>/<c>maxProperties</c>
/// of a map.</summary>
/// <param name="min">The fewest allowed items; 0 for no lower bound.</param>
/// <param name="max">The most allowed items.</param>
/// <remarks>Bounded sizes keep the estimated cost of CEL rules within the API server's budget.</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(int min, int max) : Attribute
{
    /// <summary>The fewest allowed items.</summary>
    public int Min { get; } = min;

    /// <summary>The most allowed items.</summary>
    public int Max { get; } = max;
}
