namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>format</c> of a string field, e.g. <c>date-time</c> (RFC 3339).</summary>
/// <param name="format">The format name.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    /// <summary>The format name.</summary>
    public string Format { get; } = format;
}
