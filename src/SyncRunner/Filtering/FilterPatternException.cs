using Ferry.Api;

namespace Ferry.SyncRunner.Filtering;

/// <summary>Thrown when an include/exclude pattern cannot be compiled, for example an unclosed <c>[</c>.</summary>
/// <remarks>
/// The message names the pattern and the reason, in one line, so the CLI can print it as is and exit 2
/// (usage error): a <see cref="ConfigurationException"/>.
/// </remarks>
public sealed class FilterPatternException : ConfigurationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pattern">The pattern as given.</param>
    /// <param name="reason">Why it is invalid, e.g. <c>unclosed '[' at offset 3</c>.</param>
    public FilterPatternException(string pattern, string reason)
        : base($"invalid pattern '{pattern}': {reason}")
    {
        Pattern = pattern;
        Reason = reason;
    }

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>Why the pattern is invalid.</summary>
    public string Reason { get; }
}
