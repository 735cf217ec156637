namespace Ferry.SyncRunner.Filtering;

/// <summary>One include/exclude rule: an action and an rsync-style pattern.</summary>
/// <param name="Action">What a match does.</param>
/// <param name="Pattern">
/// The pattern: <c>*</c> matches any run of characters other than <c>/</c>, <c>**</c> matches anything
/// including <c>/</c>, <c>?</c> one character other than <c>/</c>, <c>[...]</c> / <c>[^...]</c> /
/// <c>[!...]</c> a character class, <c>\</c> escapes the next character; a leading <c>/</c> anchors the
/// pattern at the root of the transfer, a trailing <c>/</c> matches directories only, and a trailing
/// <c>dir/***</c> matches the directory and everything below it.
/// </param>
/// <remarks>Rules are evaluated in the order given; see <see cref="FilterRuleSet"/>.</remarks>
public sealed record FilterRule(FilterAction Action, string Pattern)
{
    /// <summary>Creates an include rule.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>The rule.</returns>
    public static FilterRule Include(string pattern) => new(FilterAction.Include, pattern);

    /// <summary>Creates an exclude rule.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>The rule.</returns>
    public static FilterRule Exclude(string pattern) => new(FilterAction.Exclude, pattern);

    /// <summary>The rule as it is written on the command line, e.g. <c>--exclude '*.o'</c>.</summary>
    /// <returns>The option and the quoted pattern.</returns>
    public override string ToString() =>
        $"--{(Action == FilterAction.Include ? "include" : "exclude")} '{Pattern}'";
}
