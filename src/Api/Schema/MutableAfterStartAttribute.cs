namespace Ferry.Api.Schema;

/// <summary>Exempts a spec property from the rule an <see cref="ImmutableSpecAttribute"/> generates:
/// it may still change after the object has started.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MutableAfterStartAttribute : Attribute;
