namespace Ferry.E2E.Tests.Harness;

/// <summary>The place of a test in its class's lifecycle (see <see cref="StepOrderer"/>); lower runs first.</summary>
/// <param name="number">The step number.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    /// <summary>The step number.</summary>
    public int Number { get; } = number;
}
