using System.Globalization;
using k8s;
using k8s.Models;

namespace Ferry.Api.Runs;

/// <summary>The building blocks of the Lease codecs (<see cref="TaskLeaseFields"/>, <see cref="ScanLeaseFields"/>):
/// how one annotation value of each kind is read and written on an object's <c>metadata.annotations</c>.</summary>
/// <remarks>
/// <para>Formats: text as it is (UTF-8; an annotation value may hold any text), counts as decimal digits with no sign
/// (invariant culture), messages cut to <see cref="MaxTextLength"/> characters. Writing <see langword="null"/>
/// removes the annotation, so "absent" is one state, never an empty or placeholder value.</para>
/// <para>Reading is lenient, as the Kubernetes API conventions ask of fields another component writes: a count that
/// is not a non-negative decimal reads as absent, never as an exception.</para>
/// </remarks>
public static class LeaseAnnotations
{
    /// <summary>The longest message stored (<see cref="RunAnnotations.LastError"/>, <see cref="RunAnnotations.OutcomeReason"/>),
    /// in UTF-16 characters; longer text is cut.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>Reads an annotation.</summary>
    /// <param name="obj">The object (a Lease).</param>
    /// <param name="key">The annotation key, one of <see cref="RunAnnotations"/>.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    public static string? Get(IMetadata<V1ObjectMeta> obj, string key)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata?.Annotations is { } annotations && annotations.TryGetValue(key, out string? value) ? value : null;
    }

    /// <summary>Writes an annotation, or removes it when <paramref name="value"/> is <see langword="null"/>.</summary>
    /// <param name="obj">The object (a Lease); its <c>metadata</c> is created when missing.</param>
    /// <param name="key">The annotation key, one of <see cref="RunAnnotations"/>.</param>
    /// <param name="value">The value, or <see langword="null"/> to remove it.</param>
    public static void Set(IMetadata<V1ObjectMeta> obj, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(obj);
        V1ObjectMeta metadata = obj.Metadata ??= new V1ObjectMeta();
        if (value is null)
        {
            metadata.Annotations?.Remove(key);
            return;
        }

        (metadata.Annotations ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
    }

    /// <summary>Reads a count (decimal digits, no sign).</summary>
    /// <param name="obj">The object (a Lease).</param>
    /// <param name="key">The annotation key.</param>
    /// <returns>The count, or <see langword="null"/> when absent or not a non-negative decimal that fits an
    /// <see cref="int"/>.</returns>
    public static int? GetCount(IMetadata<V1ObjectMeta> obj, string key) =>
        int.TryParse(Get(obj, key), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;

    /// <summary>Writes a count as decimal digits, or removes it when <see langword="null"/>.</summary>
    /// <param name="obj">The object (a Lease).</param>
    /// <param name="key">The annotation key.</param>
    /// <param name="value">The count (0 or more), or <see langword="null"/> to remove it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static void SetCount(IMetadata<V1ObjectMeta> obj, string key, int? value)
    {
        if (value is int n)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(value));
        }

        Set(obj, key, value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Writes a message cut to <see cref="MaxTextLength"/> characters, or removes it when
    /// <see langword="null"/> (never half a surrogate pair). Callers pass text without secrets.</summary>
    /// <param name="obj">The object (a Lease).</param>
    /// <param name="key">The annotation key.</param>
    /// <param name="text">The message, or <see langword="null"/> to remove it.</param>
    public static void SetText(IMetadata<V1ObjectMeta> obj, string key, string? text)
    {
        if (text is { Length: > MaxTextLength })
        {
            // Never half a surrogate pair: the value stays valid UTF-16 (and UTF-8 on the wire).
            text = text[..(char.IsHighSurrogate(text[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength)];
        }

        Set(obj, key, text);
    }
}
