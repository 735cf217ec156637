using Ferry.ClusterSim.Selectors;

namespace Ferry.ClusterSim.Storage;

/// <summary>What a list request selects and how it pages.</summary>
/// <param name="Labels">The label selector.</param>
/// <param name="Fields">The field selector.</param>
/// <param name="Limit">The page size; 0 for all.</param>
/// <param name="Continue">The continue token from the previous page, or null.</param>
public sealed record ListOptions(LabelSelector Labels, FieldSelector Fields, int Limit = 0, string? Continue = null)
{
    /// <summary>Select everything, no paging.</summary>
    public static ListOptions All { get; } = new(LabelSelector.Everything, FieldSelector.Everything);
}
