using System.Globalization;
using System.Text.Json.Serialization;

namespace Ferry.Api.Common;

/// <summary>A value that is either an integer or a string, like Kubernetes' <c>intstr.IntOrString</c>:
/// <c>maxDelete: 100</c> and <c>maxDelete: "10%"</c>, or a quantity such as <c>64Mi</c>.</summary>
/// <remarks>Serialized as a bare JSON number or string; the CRD schema marks such fields
/// <c>x-kubernetes-int-or-string: true</c> (Kubernetes documentation, "IntOrString").</remarks>
[JsonConverter(typeof(IntOrStringJsonConverter))]
public sealed record IntOrString
{
    private IntOrString(long? intValue, string? stringValue)
    {
        IntValue = intValue;
        StringValue = stringValue;
    }

    /// <summary>The integer form, or <see langword="null"/> when the value is a string.</summary>
    public long? IntValue { get; }

    /// <summary>The string form, or <see langword="null"/> when the value is an integer.</summary>
    public string? StringValue { get; }

    /// <summary>Whether the value is a percentage string such as <c>10%</c>.</summary>
    public bool IsPercent => StringValue is { Length: > 1 } s && s[^1] == '%';

    /// <summary>Makes an integer value.</summary>
    /// <param name="value">The integer.</param>
    /// <returns>The value.</returns>
    public static IntOrString FromInt(long value) => new(value, null);

    /// <summary>Makes a string value.</summary>
    /// <param name="value">The string, e.g. <c>10%</c> or <c>64Mi</c>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static IntOrString FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(null, value);
    }

    /// <summary>Converts an integer.</summary>
    /// <param name="value">The integer.</param>
    public static implicit operator IntOrString(long value) => FromInt(value);

    /// <summary>Converts a string.</summary>
    /// <param name="value">The string.</param>
    public static implicit operator IntOrString(string value) => FromString(value);

    /// <summary>Resolves a count-or-percentage against a total, like Kubernetes'
    /// <c>GetScaledValueFromIntOrPercent</c>: an integer is returned as is, <c>N%</c> becomes N percent of
    /// <paramref name="total"/>, rounded down.</summary>
    /// <param name="total">The total the percentage refers to (e.g. the number of destination objects).</param>
    /// <returns>The count.</returns>
    /// <exception cref="FormatException">The string form is not a whole percentage such as <c>10%</c>.</exception>
    public long ResolveCount(long total)
    {
        if (IntValue is { } n)
        {
            return n;
        }

        if (!IsPercent || !long.TryParse(StringValue.AsSpan(0, StringValue!.Length - 1), NumberStyles.None,
                CultureInfo.InvariantCulture, out long percent))
        {
            throw new FormatException($"'{StringValue}' is neither an integer nor a percentage such as '10%'.");
        }

        return (long)Math.Floor(total * (decimal)percent / 100m);
    }

    /// <inheritdoc/>
    public override string ToString() => IntValue?.ToString(CultureInfo.InvariantCulture) ?? StringValue!;
}
