namespace Ferry.Api.Schema;

/// <summary>Gives an inherited property a different schema <c>default</c> in the annotated class
/// (e.g. <c>deleteDst</c> defaults to <see langword="true"/> in a ReplicaMirror but not in a SyncJob).</summary>
/// <param name="property">The C# property name (use <c>nameof</c>).</param>
/// <param name="value">The default; a <see cref="string"/>, <see cref="bool"/> or <see cref="long"/>.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class DefaultOverrideAttribute(string property, object value) : Attribute
{
    /// <summary>The C# property name.</summary>
    public string Property { get; } = property;

    /// <summary>The default value.</summary>
    public object Value { get; } = value;
}
