using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ferry.Kube.Serialization;

/// <summary>Reads and writes metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits.</summary>
/// <remarks>Kubernetes apimachinery <c>MicroTime</c> parses with the layout <c>2006-01-02T15:04:05.000000Z07:00</c>, so
/// a time without its six digits is refused. KubernetesClient's own converter leaves the fraction out of a time that
/// falls on a whole second; <see cref="KubeJson"/> puts this converter on the MicroTime fields Ferry writes
/// (<c>V1LeaseSpec.acquireTime</c>/<c>renewTime</c>, <c>Corev1Event.eventTime</c>). Reading accepts any RFC 3339 time.</remarks>
public sealed class MicroTimeConverter : JsonConverter<DateTime?>
{
    /// <inheritdoc />
    public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.GetString();
        return string.IsNullOrEmpty(text)
            ? null
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).UtcDateTime;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStringValue(Format(value.Value));
    }

    /// <summary>Formats <paramref name="value"/> as MicroTime, e.g. <c>2026-01-02T03:04:05.123456Z</c>.</summary>
    /// <param name="value">The time; converted to UTC (an unspecified kind is taken as UTC) and truncated to microseconds.</param>
    /// <returns>The RFC 3339 text.</returns>
    public static string Format(DateTime value)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Local => value.ToUniversalTime(),
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value,
        };
        return utc.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);
    }
}
