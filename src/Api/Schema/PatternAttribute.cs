namespace Ferry.Api.Schema;

/// <summary>The OpenAPI <c>pattern</c> (an ECMA-262 regular expression) a string value must match.</summary>
/// <param name="pattern">The regular expression, usually anchored with <c>^</c> and <c>$</c>.</param>
/// <remarks>OpenAPI v3.0 schema object, <c>pattern</c>; on an int-or-string field it constrains the string form only.</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    /// <summary>The regular expression.</summary>
    public string Pattern { get; } = pattern;
}
