using Ferry.SyncRunner.Filtering;

namespace Ferry.SyncRunner.Planning;

/// <summary>Builds the <see cref="IKeyFilter"/> for a rule list.</summary>
internal static class KeyFilters
{
    /// <summary>The filter that lets every key through.</summary>
    public static IKeyFilter All { get; } = new RuleSetFilter(FilterRuleSet.Empty);

    /// <summary>Compiles <paramref name="rules"/> in the mode <paramref name="matchFullPath"/> selects.</summary>
    /// <exception cref="FilterPatternException">A pattern is invalid.</exception>
    public static IKeyFilter Create(IReadOnlyList<FilterRule> rules, bool matchFullPath) =>
        rules.Count == 0 ? All : new RuleSetFilter(FilterRuleSet.Create(rules, matchFullPath));

    private sealed class RuleSetFilter(FilterRuleSet rules) : IKeyFilter
    {
        public bool IsEmpty => rules.IsEmpty;

        public bool Includes(string key) => rules.Includes(key);

        public bool ExcludesSubtree(string directoryKey) => rules.ExcludesSubtree(directoryKey);
    }
}
