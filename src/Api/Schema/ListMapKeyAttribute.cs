namespace Ferry.Api.Schema;

/// <summary>Marks a list as <c>x-kubernetes-list-type: map</c> keyed by the named item property: keys are
/// unique, and server-side apply merges items by key.</summary>
/// <param name="key">The JSON name of the key property of each item; the key must be a required field.</param>
/// <remarks>Kubernetes API conventions, "Lists of named subobjects preferred over maps".</remarks>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeyAttribute(string key) : Attribute
{
    /// <summary>The JSON name of the key property.</summary>
    public string Key { get; } = key;
}
