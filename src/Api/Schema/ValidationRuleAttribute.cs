namespace Ferry.Api.Schema;

/// <summary>A CEL rule the API server evaluates on the annotated object or field
/// (<c>x-kubernetes-validations</c>); <c>self</c> is the value, <c>oldSelf</c> the previous value in transition rules.</summary>
/// <param name="rule">The CEL expression; it must evaluate to <see langword="true"/> for a valid value.</param>
/// <param name="message">The message the API server returns when the rule fails.</param>
/// <remarks>Kubernetes documentation, "CustomResourceDefinitions: validation rules".</remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule, string message) : Attribute
{
    /// <summary>The CEL expression.</summary>
    public string Rule { get; } = rule;

    /// <summary>The message returned when the rule fails.</summary>
    public string Message { get; } = message;
}
