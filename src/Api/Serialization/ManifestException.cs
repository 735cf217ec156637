namespace Ferry.Api.Serialization;

/// <summary>A manifest could not be read: malformed YAML, an unknown kind, or a document that does not fit its
/// type. A <see cref="ConfigurationException"/>: commands report it as a usage error.</summary>
public sealed class ManifestException : ConfigurationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the document and line.</param>
    /// <param name="documentIndex">The zero-based index of the YAML document, or -1 when unknown.</param>
    /// <param name="line">The one-based line where the problem is, or 0 when unknown.</param>
    /// <param name="innerException">The parser's or deserializer's exception, if any.</param>
    public ManifestException(string message, int documentIndex, long line, Exception? innerException = null)
        : base(message, innerException)
    {
        DocumentIndex = documentIndex;
        Line = line;
    }

    /// <summary>The zero-based index of the YAML document, or -1 when unknown.</summary>
    public int DocumentIndex { get; }

    /// <summary>The one-based line where the problem is, or 0 when unknown.</summary>
    public long Line { get; }
}
