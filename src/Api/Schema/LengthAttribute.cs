namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>minLength</c>/<c>maxLength</c> of a string field, in characters.</summary>
/// <param name="min">The shortest allowed length; 0 for no lower bound.</param>
/// <param name="max">The longest allowed length.</param>
/// <remarks>Bounded lengths keep the estimated cost of CEL rules over the field within the API server's budget
/// (Kubernetes documentation, "Validation rules: resource use").</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute(int min, int max) : Attribute
{
    /// <summary>The shortest allowed length.</summary>
    public int Min { get; } = min;

    /// <summary>The longest allowed length.</summary>
    public int Max { get; } = max;
}
