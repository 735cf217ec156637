namespace Ferry.Api.Conditions;

/// <summary>The three values of a condition's <c>status</c>.</summary>
/// <remarks>Kubernetes API conventions, "Typical status properties".</remarks>
public static class ConditionStatus
{
    /// <summary>The condition holds.</summary>
    public const string True = "True";

    /// <summary>The condition does not hold.</summary>
    public const string False = "False";

    /// <summary>It is not known whether the condition holds.</summary>
    public const string Unknown = "Unknown";
}
