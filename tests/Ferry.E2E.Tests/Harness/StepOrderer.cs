using Xunit.Abstractions;
using Xunit.Sdk;

namespace Ferry.E2E.Tests.Harness;

/// <summary>Runs a class's tests in the order of their <see cref="StepAttribute"/> (then by name): for scenarios that
/// walk through one lifecycle on a shared fixture, such as install, use, upgrade, uninstall.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    /// <summary>The orderer's type name, for <see cref="TestCaseOrdererAttribute"/>.</summary>
    public const string TypeName = "Ferry.E2E.Tests.Harness.StepOrderer";

    /// <summary>This assembly's name, for <see cref="TestCaseOrdererAttribute"/>.</summary>
    public const string AssemblyName = "Ferry.E2E.Tests";

    /// <inheritdoc/>
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => Step(t)).ThenBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);

    private static int Step(ITestCase testCase) =>
        testCase.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName).FirstOrDefault()?.GetConstructorArguments().OfType<int>().FirstOrDefault()
        ?? int.MaxValue;
}
