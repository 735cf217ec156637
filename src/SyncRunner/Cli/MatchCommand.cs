using System.CommandLine;
using System.CommandLine.Parsing;
using Ferry.Api;
using Ferry.SyncRunner.Filtering;

namespace Ferry.SyncRunner.Cli;

/// <summary>
/// <c>ferry match [--match-full-path] (--include P | --exclude P)... -- KEY...</c>: evaluates the
/// include/exclude rules on each key without touching any storage and prints <c>KEY&lt;TAB&gt;sync</c>
/// or <c>KEY&lt;TAB&gt;exclude</c>, one line per key, in the order given.
/// </summary>
/// <remarks>
/// The pattern-debugging tool the juicefs sync guide (模式匹配, the tip about <c>--dry --debug</c>)
/// wishes it had. Exit codes: 0 success, 2 an invalid pattern (a <see cref="FilterPatternException"/>, one line on stderr).
/// </remarks>
internal static class MatchCommand
{
    /// <summary>Creates the <c>match</c> command.</summary>
    /// <returns>The command, with its action set.</returns>
    public static Command Create()
    {
        var include = new Option<string[]>("--include")
        {
            Description = "Sync keys matching PATTERN (repeatable; evaluated in order together with --exclude).",
            HelpName = "PATTERN",
            Arity = ArgumentArity.OneOrMore,
        };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Exclude keys matching PATTERN (repeatable; evaluated in order together with --include).",
            HelpName = "PATTERN",
            Arity = ArgumentArity.OneOrMore,
        };
        var matchFullPath = new Option<bool>("--match-full-path")
        {
            Description = "Match each rule against the full key (first match decides) instead of layer by layer.",
        };
        var keys = new Argument<string[]>("KEY")
        {
            Description = "Keys relative to the root of the transfer; a key ending in '/' is a directory. Put them after '--'.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("match", "Show whether each KEY would be synced or excluded by the rules, without touching storage.")
        {
            matchFullPath,
            include,
            exclude,
            keys,
        };

        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            FilterRuleSet rules;
            try
            {
                rules = FilterRuleSet.Create(ReadRules(parseResult, include, exclude), parseResult.GetValue(matchFullPath));
            }
            catch (ConfigurationException e)
            {
                error.WriteLine($"ferry match: {e.Message}");
                return ExitCodes.Usage;
            }

            foreach (var key in parseResult.GetValue(keys) ?? [])
            {
                output.WriteLine($"{key}\t{(rules.Includes(key) ? "sync" : "exclude")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Reads <c>--include</c> and <c>--exclude</c> in the order they appear on the command line (the
    /// order of the rules matters), from the positions of their argument tokens in the parse result.
    /// </summary>
    /// <param name="parseResult">The parse result.</param>
    /// <param name="include">The <c>--include</c> option.</param>
    /// <param name="exclude">The <c>--exclude</c> option.</param>
    /// <returns>The rules in command-line order.</returns>
    internal static IReadOnlyList<FilterRule> ReadRules(ParseResult parseResult, Option<string[]> include, Option<string[]> exclude)
    {
        var position = new Dictionary<Token, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < parseResult.Tokens.Count; i++)
        {
            position[parseResult.Tokens[i]] = i;
        }

        var rules = new List<(int Position, FilterRule Rule)>();
        Collect(parseResult.GetResult(include), FilterAction.Include);
        Collect(parseResult.GetResult(exclude), FilterAction.Exclude);
        return rules.OrderBy(r => r.Position).Select(r => r.Rule).ToList();

        void Collect(OptionResult? result, FilterAction action)
        {
            foreach (var token in result?.Tokens ?? [])
            {
                rules.Add((position.TryGetValue(token, out var p) ? p : int.MaxValue, new FilterRule(action, token.Value)));
            }
        }
    }
}
