using System.Globalization;

namespace Ferry.Api.Common;

/// <summary>Reads byte sizes written as Kubernetes quantities (<c>minSize</c>, <c>maxSize</c>, <c>taskBytes</c>):
/// a whole number with an optional binary suffix (<c>Ki</c>, <c>Mi</c>, <c>Gi</c>, <c>Ti</c>, <c>Pi</c>, <c>Ei</c>:
/// powers of 1024) or decimal suffix (<c>k</c>, <c>M</c>, <c>G</c>, <c>T</c>, <c>P</c>, <c>E</c>: powers of 1000).</summary>
/// <remarks>The subset of <c>resource.Quantity</c> that <see cref="SchemaPatterns.ByteQuantity"/> admits
/// (Kubernetes API reference, "Quantity").</remarks>
public static class ByteQuantity
{
    /// <summary>The number of bytes an integer or quantity string stands for.</summary>
    /// <param name="value">An integer (bytes) or a string such as <c>64Mi</c>.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="FormatException">The string is not a byte quantity, or the integer is negative.</exception>
    /// <exception cref="OverflowException">The size does not fit in 64 bits.</exception>
    public static long ToBytes(IntOrString value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.IntValue is { } n)
        {
            return n >= 0 ? n : throw new FormatException($"A size cannot be negative: {n}.");
        }

        return Parse(value.StringValue!);
    }

    /// <summary>Parses a quantity string such as <c>64Mi</c>, <c>1G</c> or <c>4096</c>.</summary>
    /// <param name="text">The quantity.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a byte quantity.</exception>
    /// <exception cref="OverflowException">The size does not fit in 64 bits.</exception>
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        long multiplier = text[digits..] switch
        {
            "" => 1,
            "Ki" => 1L << 10,
            "Mi" => 1L << 20,
            "Gi" => 1L << 30,
            "Ti" => 1L << 40,
            "Pi" => 1L << 50,
            "Ei" => 1L << 60,
            "k" => 1_000,
            "M" => 1_000_000,
            "G" => 1_000_000_000,
            "T" => 1_000_000_000_000,
            "P" => 1_000_000_000_000_000,
            "E" => 1_000_000_000_000_000_000,
            _ => throw new FormatException($"'{text}' is not a byte size such as 4096, 64Mi or 1G."),
        };
        if (digits == 0)
        {
            throw new FormatException($"'{text}' is not a byte size such as 4096, 64Mi or 1G.");
        }

        long number = long.Parse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture);
        return checked(number * multiplier);
    }
}
