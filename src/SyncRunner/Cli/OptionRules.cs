using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Ferry.Api;

namespace Ferry.SyncRunner.Cli;

/// <summary>Bounds on numeric options, checked while parsing: a value outside them is a parse error (exit code 2) that
/// names the option, e.g. <c>--bwlimit must be between 0 and 100000000 (got -1)</c>.</summary>
internal static class OptionRules
{
    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Within(this Option<int> option, int min, int max)
    {
        option.Validators.Add(r => Check(r, option.Name, r.GetValueOrDefault<int>(), min, max));
        return option;
    }

    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>] when it is given.</summary>
    public static Option<int?> Within(this Option<int?> option, int min, int max)
    {
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } value)
            {
                Check(r, option.Name, value, min, max);
            }
        });
        return option;
    }

    // Not generic: a generic method over int and long would be compiled at start-up instead of ahead of time.

    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<long> Within(this Option<long> option, long min, long max)
    {
        option.Validators.Add(r => Check(r, option.Name, r.GetValueOrDefault<long>(), min, max));
        return option;
    }

    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>], and NaN.</summary>
    public static Option<double> Within(this Option<double> option, double min, double max)
    {
        option.Validators.Add(r =>
        {
            double v = r.GetValueOrDefault<double>();
            if (double.IsNaN(v) || v < min || v > max)
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {min} and {max} (got {Text(r, v)})"));
            }
        });
        return option;
    }

    /// <summary>Parses a text option with <paramref name="parse"/>; a malformed value fails with the option's name.</summary>
    /// <exception cref="ConfigurationException">The value is malformed or out of range.</exception>
    public static T? Parse<T>(ParseResult result, Option<string?> option, Func<string, T> parse)
        where T : struct
    {
        if (result.GetValue(option) is not { } text)
        {
            return null;
        }

        try
        {
            return parse(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ConfigurationException($"{option.Name}: {e.Message}", e);
        }
    }

    private static void Check(OptionResult r, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            r.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {Text(r, value)})"));
        }
    }

    private static string Text(OptionResult r, double value) =>
        r.Tokens.Count > 0 ? r.Tokens[^1].Value : value.ToString(CultureInfo.InvariantCulture);
}
