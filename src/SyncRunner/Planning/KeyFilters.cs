namespace Ferry.SyncRunner.Planning;

/// <summary>Builds the <see cref="IKeyFilter"/> for a rule list.</summary>
internal static class KeyFilters
{
    /// <summary>The filter that lets every key through.</summary>
    public static IKeyFilter All { get; } = new AllKeys();

    /// <summary>Compiles <paramref name="rules"/> in the mode <paramref name="matchFullPath"/> selects.</summary>
    /// <exception cref="ArgumentException">A pattern is invalid.</exception>
    public static IKeyFilter Create(IReadOnlyList<SyncFilterRule> rules, bool matchFullPath)
    {
        if (rules.Count == 0)
        {
            return All;
        }

        throw new NotSupportedException("include/exclude rules need the Filtering module, which is not merged yet");
    }

    private sealed class AllKeys : IKeyFilter
    {
        public bool IsEmpty => true;

        public bool Includes(string key) => true;

        public bool ExcludesSubtree(string directoryKey) => false;
    }
}
