namespace Ferry.Api;

/// <summary>What a user gave cannot be run: a command-line option, a manifest, a SyncJob or ReplicaMirror spec, or the
/// Secrets, ConfigMaps, volumes and files they name. Nothing was copied or deleted. The message says what is wrong and
/// where (the option, field or file), in one line, and never contains a credential.</summary>
/// <remarks>The one exception type for user configuration errors: each <c>ferry</c> command catches it once and exits
/// with code 2, the usage error (a runner pod's <c>ferry worker</c> likewise, so its Job does not retry a spec that can
/// never run). Programming errors stay the BCL's <see cref="ArgumentException"/> and friends, and parsers of a single
/// value (sizes, durations, URLs) keep throwing <see cref="FormatException"/>; the code that applies a user's input
/// turns those into this type, naming the option or field. In the manner of Npgsql's small hierarchy: one type for
/// "the configuration is wrong", subtypes where a caller needs more (<see cref="Serialization.ManifestException"/>
/// carries the document and line).</remarks>
public class ConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and where, one line, no credentials.</param>
    /// <param name="innerException">The parser's or the system's exception, if any.</param>
    public ConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
