using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Models;

/// <summary>Reads and writes metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits.</summary>
/// <remarks>Kubernetes apimachinery <c>MicroTime</c> (layout <c>2006-01-02T15:04:05.000000Z07:00</c>); the API server
/// rejects other fractional-digit counts in Lease and Event times.</remarks>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset?>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.GetString();
        return string.IsNullOrEmpty(text)
            ? null
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStringValue(Format(value.Value));
    }

    /// <summary>Formats <paramref name="value"/> as MicroTime, e.g. <c>2026-01-02T03:04:05.123456Z</c>.</summary>
    /// <param name="value">The time; converted to UTC and truncated to microseconds.</param>
    /// <returns>The RFC 3339 text.</returns>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);
}
